"""Finding face boxes: clustering the detector passes, tiles of a large image, a tiny face."""

import numpy as np

from facestyle.faces.analysis import analyse
from facestyle.faces.detect import _TILE, _tiles, detect_faces
from facestyle.faces.models import using_models
from facestyle.image.io import load_image
from tests.faces.conftest import PORTRAIT, tiny_face_canvas


def test_the_passes_over_a_portrait_agree_on_one_face():
    rgb = np.asarray(load_image(PORTRAIT).convert("RGB"))
    with using_models():
        found = detect_faces(rgb, 0.5)
    assert len(found) == 1
    face = found[0]
    assert not face.from_tile and face.votes > 1 and face.score > 0.5
    assert face.box.contains(face.keypoints["nose_tip"])


def test_tiles_cover_a_large_image_with_overlap_and_skip_a_small_one():
    assert _tiles(_TILE, 300) == []
    tiles = _tiles(1000, 800)
    covered = np.zeros((800, 1000), bool)
    for x0, y0, x1, y1 in tiles:
        assert x1 - x0 == _TILE and y1 - y0 == _TILE
        covered[y0:y1, x0:x1] = True
    assert covered.all()
    # Every stride step, and a last tile flush with the far edge.
    assert {x0 for x0, *_ in tiles} == {0, 256, 488} and {y0 for _, y0, *_ in tiles} == {0, 256, 288}


def test_a_tiny_face_in_a_large_image_is_found_with_landmarks():
    canvas, pasted = tiny_face_canvas(face_px=32)
    found = analyse(canvas)
    assert len(found.faces) == 1
    face = found.faces[0]
    assert face.has_mesh and face.size < 64
    assert pasted.contains(face.point("nose_tip")) and pasted.contains(face.right_eye_center)
