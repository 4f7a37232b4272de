"""Tiles give the whole image's J and gradient: Gram statistics summed over tiles, not per tile."""

import pytest
import torch
from torch.nn import functional as F

from facestyle.costs.texture import build_texture_objective
from facestyle.costs.tiled import TiledObjective, tile_boxes
from facestyle.faces.guide import FaceMasks
from facestyle.features.vgg import load_vgg19
from facestyle.settings import Settings


def test_tiles_cover_the_image_once_on_aligned_edges():
    boxes = tile_boxes(100, 70, 40)
    covered = torch.zeros(100, 70)
    for y0, y1, x0, x1 in boxes:
        assert y0 % 16 == 0 and x0 % 16 == 0
        covered[y0:y1, x0:x1] += 1
    assert bool((covered == 1).all())


@pytest.mark.parametrize("octave", [1, 2])
def test_tiled_cost_and_gradient_equal_the_whole_image_ones(octave):
    generator = torch.Generator().manual_seed(3)
    content = torch.rand(1, 3, 90, 110, generator=generator)
    style = torch.rand(1, 3, 64, 64, generator=generator)
    coarse = F.interpolate(content, size=(45, 55), mode="area")
    features = torch.zeros(90, 110)
    features[20:60, 30:80] = 1
    masks = FaceMasks(features=features, regions={}, painting_regions=None)
    encoder = load_vgg19(last_layer="relu3_1")  # float32, so both ways round alike
    objective = build_texture_objective(encoder, content, [style], coarse, Settings(), masks=masks, octave=octave)
    image = (content + 0.1 * torch.rand(content.shape, generator=generator)).clamp(0, 1)

    whole = image.clone().requires_grad_(True)
    expected = objective.evaluate(whole)
    tiled = image.clone().requires_grad_(True)
    got = TiledObjective(objective, tile=32).evaluate(tiled)  # 3 × 4 tiles

    assert set(got) == set(expected)
    for name in expected:
        assert float(got[name]) == pytest.approx(float(expected[name]), rel=1e-4, abs=1e-9), name
    assert torch.allclose(tiled.grad, whole.grad, rtol=1e-3, atol=1e-7 * float(whole.grad.abs().max()))
