"""The mask overlay: tinted regions, an untouched background, face marks and a legend."""

import numpy as np
import pytest
import torch

from facestyle.faces.masks import feature_mask, region_masks
from facestyle.faces.overlay import REGION_COLOURS, _colours, render_mask_overlay
from facestyle.image.io import load_image
from tests.faces.conftest import PORTRAIT


@pytest.fixture(scope="module")
def masks(portrait):
    return region_masks(portrait)


def test_overlay_tints_regions_keeps_background_and_adds_a_legend(portrait, masks):
    image = load_image(PORTRAIT)
    overlay = render_mask_overlay(image, masks, analysis=portrait)
    assert overlay.mode == "RGB" and overlay.width == image.width and overlay.height > image.height
    plain = render_mask_overlay(image, masks)
    photo, tinted = np.asarray(image, dtype=int), np.asarray(plain, dtype=int)[: image.height]
    assert np.abs(photo[2, 2] - tinted[2, 2]).max() <= 2  # background: untouched
    face = portrait.faces[0]
    x, y = map(int, face.landmarks[205])
    assert tinted[y, x, 1] > photo[y, x, 1]  # skin: tinted green
    # Masks of another size, and masks that are not a partition, are drawn too.
    extra = render_mask_overlay(image, {"feature": feature_mask(portrait, (128, 96))})
    assert extra.width == image.width


def test_a_narrow_overlay_wraps_its_legend_and_colours_unknown_masks():
    image = load_image(PORTRAIT).resize((60, 80))
    many = {f"part_{i}": torch.full((80, 60), 0.1) for i in range(6)}
    one_row = render_mask_overlay(image, {"part_0": many["part_0"]})
    wrapped = render_mask_overlay(image, many)
    assert wrapped.height > one_row.height > image.height
    colours = _colours({"skin": 0, **many})
    assert colours["skin"] == REGION_COLOURS["skin"]
    assert len({colours[name] for name in many}) == 4  # the extra colours, in turn
