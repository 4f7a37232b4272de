"""The Gaussian blur shared by the masks and the fast mode's face step."""

import math

import pytest
import torch
import torch.nn.functional as F

from facestyle.image.filters import SHIFTED_SUM_RADIUS, gaussian_blur


def test_blur_keeps_a_partition_a_partition():
    labels = torch.zeros(3, 20, 30)
    labels[0, :, :10] = 1
    labels[1, :, 10:20] = 1
    labels[2, :, 20:] = 1
    blurred = gaussian_blur(labels, 2.5)
    torch.testing.assert_close(blurred.sum(dim=0), torch.ones(20, 30))
    assert 0 < float(blurred[0, 5, 10]) < 1


def test_no_blur_below_a_third_of_a_pixel_and_a_capped_kernel_on_small_planes():
    planes = torch.rand(2, 5, 6)
    assert gaussian_blur(planes, 0.2) is planes
    capped = gaussian_blur(planes, 10.0, max_radius=4)
    assert capped.shape == planes.shape
    torch.testing.assert_close(capped.mean(), planes.mean(), atol=0.1, rtol=0)


def _reference_blur(planes, sigma):
    """The blur as one 2-D convolution of the edge-replicated planes with the outer-product kernel."""
    radius = max(1, math.ceil(3 * sigma))
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float64)
    line = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = torch.outer(line, line) / line.sum() ** 2
    padded = F.pad(planes.double()[:, None], (radius,) * 4, mode="replicate")
    return F.conv2d(padded, kernel[None, None])[:, 0].float()


@pytest.mark.parametrize("sigma", [0.4, 2.7, 10.0, 12.0, 20.0])
def test_short_and_long_kernels_blur_alike(sigma):
    # Kernels up to SHIFTED_SUM_RADIUS run as sums of shifted planes, longer ones as convolutions.
    planes = torch.rand(2, 90, 70)
    torch.testing.assert_close(gaussian_blur(planes, sigma), _reference_blur(planes, sigma), atol=1e-5, rtol=0)
    assert (math.ceil(3 * sigma) <= SHIFTED_SUM_RADIUS) == (sigma <= 10.0)
