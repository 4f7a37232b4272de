"""The person mask: the segmentation on a photo, and the shape that stands in where it sees nobody."""

import numpy as np

from facestyle.faces.models import using_models
from facestyle.faces.segment import segment_person
from facestyle.faces.types import Box, Face


def test_person_mask_covers_the_sitter_not_the_corner(portrait):
    person = portrait.person
    assert person.shape == (256, 192) and person.dtype == np.float32
    assert 0 <= person.min() and person.max() <= 1
    x, y = portrait.faces[0].point("nose_tip")
    assert person[int(y), int(x)] > 0.5
    assert person[:10, :10].mean() < 0.5


def test_a_person_the_segmentation_misses_gets_a_head_and_shoulders_shape():
    """On some paintings the segmentation finds nobody; a face there still gets a person around it."""
    flat = np.full((300, 240, 3), 128, np.uint8)
    face = Face(Box(90, 60, 150, 120), 0.9, {}, None, None, "detection")
    with using_models():
        person, guessed = segment_person(flat, [face])
        nobody, none_guessed = segment_person(flat, [])
    assert guessed and not none_guessed and nobody.max() < 0.5
    assert person[90, 120] > 0.9  # the face
    assert person[40, 120] > 0.5  # hair above it
    assert person[250, 120] > 0.9 and person[250, 40] > 0.5  # shoulders below
    assert person[20, 10] < 0.1 and person[20, 230] < 0.1  # not the top corners
