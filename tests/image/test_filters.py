"""The Gaussian blur shared by the masks and the fast mode's face step."""

import torch

from facestyle.image.filters import gaussian_blur


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
