"""Holding the composition's band: the reduction of a held print is the composition's result."""

import torch

from facestyle.costs.texture import build_texture_objective
from facestyle.features.vgg import load_vgg19
from facestyle.image.io import resize_to, to_pil, to_tensor
from facestyle.optim.backproject import (
    CompositionHold,
    HeldObjective,
    hold_composition,
    lanczos_matrix,
)
from facestyle.settings import Settings


def _images(seed: int = 0):
    """A print and a composition that some print in [0, 1] reduces to (another print's reduction)."""
    generator = torch.Generator().manual_seed(seed)
    image = 0.3 + 0.4 * torch.rand(1, 3, 48, 40, generator=generator)
    other = 0.3 + 0.4 * torch.rand(1, 3, 48, 40, generator=generator)
    return image, CompositionHold(torch.zeros(1, 3, 24, 20), image.shape).reduce(other)


def test_the_reduction_is_the_resize_that_measures_a_print():
    image, _ = _images()
    hold = CompositionHold(torch.zeros(1, 3, 24, 20), image.shape)
    pillow = to_tensor(resize_to(to_pil(image), (20, 24)))
    assert lanczos_matrix(48, 24).sum(dim=1).allclose(torch.ones(24))
    assert (hold.reduce(image) - pillow).abs().max() < 2 / 255  # Pillow rounds to 8 bits


def test_a_held_image_reduces_to_the_composition_and_keeps_the_finer_band():
    image, composition = _images()
    hold = CompositionHold(composition, image.shape)
    assert (hold.reduce(image) - composition).abs().max() > 0.02
    held = hold_composition(image, composition)
    assert (hold.reduce(held) - composition).abs().max() < 1e-4
    assert hold.finer(held).allclose(hold.finer(image), atol=1e-4)
    assert held.min() >= 0 and held.max() <= 1


def test_held_steps_change_only_the_finer_band():
    image, composition = _images(1)
    style = torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(2))
    hold = CompositionHold(composition, image.shape)
    criterion = build_texture_objective(load_vgg19(last_layer="relu3_1"), image, [style], composition, Settings())
    pixels = image.clone().requires_grad_(True)
    costs = HeldObjective(criterion, hold).evaluate(pixels)
    assert pixels.grad is not None and pixels.grad.abs().max() > 0
    assert hold.reduce(pixels.grad).abs().max() < 1e-6 * max(1.0, float(pixels.grad.abs().max()))
    with torch.no_grad():
        assert torch.isclose(costs["total"], criterion(hold.project(image))["total"], rtol=1e-4)
