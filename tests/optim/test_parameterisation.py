"""Image representations: the pyramid starts at the given image and is differentiable."""

import torch

from facestyle.optim.parameterisation import PixelImage, PyramidImage, parameterise


def test_pyramid_starts_at_the_image_and_keeps_its_shape():
    image = torch.rand(1, 3, 37, 50)
    pyramid = PyramidImage(image, levels=4)
    assert torch.equal(pyramid.image().detach(), image)
    assert pyramid.variable.dim() == 1 and pyramid.variable.requires_grad


def test_a_coarse_level_moves_a_whole_region():
    pyramid = PyramidImage(torch.zeros(1, 3, 16, 16), levels=3)
    pyramid.image().mean().backward()
    grad = pyramid.variable.grad
    fine, coarse = grad[: 3 * 16 * 16], grad[3 * 16 * 16 + 3 * 8 * 8 :]
    # The same global change reaches the coarse level with more weight per variable.
    assert coarse.abs().mean() > 10 * fine.abs().mean()


def test_adam_stays_in_pixels():
    assert isinstance(parameterise(torch.rand(1, 3, 8, 8), optimizer="adam", pyramid_levels=4), PixelImage)
    assert isinstance(parameterise(torch.rand(1, 3, 8, 8), optimizer="lbfgs", pyramid_levels=1), PixelImage)
