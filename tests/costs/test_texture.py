"""A texture scale's J: shallow style layers only, held to the coarser result by the anchor."""

import torch
from torch.nn import functional as F

from facestyle.costs.guidance import DETAIL_LAYER
from facestyle.costs.texture import (
    TEXTURE_LAYERS,
    CoarseAnchor,
    build_texture_objective,
    texture_style_layers,
)
from facestyle.faces.guide import FaceMasks
from facestyle.features.vgg import LAYER_NAMES, load_vgg19
from facestyle.settings import Settings


def _images():
    generator = torch.Generator().manual_seed(0)
    content = torch.rand(1, 3, 48, 64, generator=generator)
    style = torch.rand(1, 3, 40, 40, generator=generator)
    coarse = F.interpolate(content, size=(24, 32), mode="area")
    return content, style, coarse


def test_only_the_shallow_style_layers_are_matched_and_the_pass_stops_at_relu3_1():
    settings = Settings()  # balanced: relu1_1 … relu5_1
    assert [name for name, _ in texture_style_layers(settings)] == list(TEXTURE_LAYERS)
    content, style, coarse = _images()
    criterion = build_texture_objective(load_vgg19(last_layer="relu5_1"), content, [style], coarse, settings)
    assert max(LAYER_NAMES.index(layer) for layer in criterion.layers) == LAYER_NAMES.index("relu3_1")
    costs = criterion(content)
    assert {"style.relu1_1", "style.relu2_1", "style.relu3_1", "anchor"} <= set(costs)
    assert "style.relu4_1" not in costs and "style.relu5_1" not in costs


def test_the_anchor_holds_the_coarse_picture_but_not_finer_detail():
    content, _, coarse = _images()
    anchor = CoarseAnchor(coarse)
    assert float(anchor(content)) < 1e-12  # content averaged down is the coarse picture
    # A checkerboard finer than the coarse pixels averages away: free for the texture.
    checker = (torch.arange(64)[None, :] + torch.arange(48)[:, None]) % 2 * 0.2 - 0.1
    assert float(anchor(content + checker)) < 1e-10
    assert float(anchor(content + 0.1)) > 1e-3  # a change the coarse scale can see is not


def test_face_protection_keeps_its_detail_term_over_the_face_features():
    content, style, coarse = _images()
    features = torch.zeros(48, 64)
    features[10:30, 20:40] = 1
    masks = FaceMasks(features=features, regions={}, painting_regions=None)
    criterion = build_texture_objective(load_vgg19(last_layer="relu3_1"), content, [style], coarse, Settings(),
                                        masks=masks)
    assert f"content.{DETAIL_LAYER}" in criterion(content)
    assert float(criterion(content)["content"]) == 0.0  # the photo itself keeps its features
