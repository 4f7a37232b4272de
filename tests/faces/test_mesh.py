"""Meshing a detected face: the consensus of its crops, greyscale crops, yaw from the 3-D points."""

import numpy as np
import pytest
from PIL import Image

from facestyle.faces import mesh as mesh_module
from facestyle.faces.analysis import analyse
from facestyle.faces.types import LANDMARKS, NUM_LANDMARKS, Box
from facestyle.image.io import load_image
from tests.faces.conftest import PAINTED, PORTRAIT


def _mesh_at(shift: float) -> np.ndarray:
    """A fake (478, 3) mesh, 100 px between the outer eye corners, moved ``shift`` pixels right."""
    points = np.zeros((NUM_LANDMARKS, 3), dtype=np.float32)
    points[:, 0] = np.linspace(0, 100, NUM_LANDMARKS)
    points[LANDMARKS["right_eye_outer"], :2] = (0, 0)
    points[LANDMARKS["left_eye_outer"], :2] = (100, 0)
    points[:, 0] += shift
    return points


def _fake_crops(monkeypatch, meshes):
    """Make every crop's mesh come from ``meshes`` in turn (None: the crop gave no mesh)."""
    queue = list(meshes)
    monkeypatch.setattr(mesh_module, "_mesh_one_crop", lambda *args: queue.pop(0) if queue else None)


def test_a_face_mesh_is_the_mean_of_the_crops_that_agree(monkeypatch):
    # Three crops agree within a pixel; the fourth jumped 30 px (0.3 of the eye distance): left out.
    _fake_crops(monkeypatch, [_mesh_at(0), _mesh_at(1), _mesh_at(2), _mesh_at(30)])
    points = mesh_module.mesh_face(np.zeros((64, 64, 3), np.uint8), Box(0, 0, 10, 10))
    np.testing.assert_allclose(points[:, 0], _mesh_at(1)[:, 0], atol=1e-4)


def test_a_weak_detection_needs_most_crops_of_one_kind_to_agree(monkeypatch):
    box, image = Box(0, 0, 10, 10), np.zeros((64, 64, 3), np.uint8)
    _fake_crops(monkeypatch, [_mesh_at(0), _mesh_at(1), _mesh_at(2), None])  # 3 of 4 colour crops
    assert mesh_module.mesh_face(image, box, confirm=True) is not None
    # 2 of 4 colour crops agree and no greyscale one: what texture does by chance.
    _fake_crops(monkeypatch, [_mesh_at(0), _mesh_at(1), _mesh_at(30), None])
    assert mesh_module.mesh_face(image, box, confirm=True) is None
    _fake_crops(monkeypatch, [_mesh_at(0)])  # a strong detection takes even one mesh
    assert mesh_module.mesh_face(image, box, confirm=False) is not None
    # No colour mesh, 4 of 6 greyscale crops agree (a blue-cast face).
    _fake_crops(monkeypatch, [None] * 4 + [_mesh_at(0), _mesh_at(1), None, _mesh_at(0), _mesh_at(2), None])
    assert mesh_module.mesh_face(image, box, confirm=True) is not None


def test_colour_meshes_that_disagree_are_settled_by_greyscale_ones(monkeypatch):
    box, image = Box(0, 0, 10, 10), np.zeros((64, 64, 3), np.uint8)
    _fake_crops(monkeypatch, [_mesh_at(0), _mesh_at(30), None, None, _mesh_at(29), _mesh_at(31)])
    points = mesh_module.mesh_face(image, box)
    np.testing.assert_allclose(points[:, 0], _mesh_at(30)[:, 0], atol=1e-4)
    # As a weak detection, 2 of 6 greyscale crops are not enough.
    _fake_crops(monkeypatch, [_mesh_at(0), _mesh_at(30), None, None, _mesh_at(29), _mesh_at(31)])
    assert mesh_module.mesh_face(image, box, confirm=True) is None


def test_a_face_the_colour_crops_hide_is_meshed_in_greyscale(monkeypatch):
    """A painting's colour cast can hide a face from the mesh's detector; its shading still shows."""
    meshed = mesh_module._mesh_one_crop

    def colour_blind(rgb, *args):
        is_grey = np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2])
        return meshed(rgb, *args) if is_grey else None

    monkeypatch.setattr(mesh_module, "_mesh_one_crop", colour_blind)
    found = analyse(PORTRAIT)
    assert len(found.faces) == 1 and found.faces[0].has_mesh


def test_meshing_a_slightly_noisy_copy_moves_the_landmarks_little(portrait):
    rng = np.random.default_rng(0)
    photo = np.asarray(load_image(PORTRAIT)).astype(np.float32)
    noisy = Image.fromarray(np.clip(photo + rng.normal(0, 6, photo.shape), 0, 255).astype(np.uint8))
    face, again = portrait.faces[0], analyse(noisy).faces[0]
    assert np.linalg.norm(face.landmarks - again.landmarks, axis=1).mean() / face.interocular < 0.02


def test_yaw_is_the_cheek_line_out_of_the_image_plane():
    points = np.zeros((NUM_LANDMARKS, 3), dtype=np.float32)
    points[LANDMARKS["face_right"]] = (0, 0, 0)
    points[LANDMARKS["face_left"]] = (100, 0, 100)
    assert mesh_module.head_yaw(points) == pytest.approx(45)
    points[LANDMARKS["face_left"]] = (0, 100, 0)  # rolled by 90 degrees, not turned
    assert mesh_module.head_yaw(points) == pytest.approx(0)


def test_a_tilted_head_is_found_and_not_mistaken_for_a_turned_one(portrait):
    rotated = load_image(PORTRAIT).rotate(90, expand=True)
    found = analyse(rotated)
    assert len(found.faces) == 1
    face = found.faces[0]
    assert face.has_mesh and not face.is_profile
    assert face.yaw == pytest.approx(portrait.faces[0].yaw, abs=8)


def test_a_painted_three_quarter_face_is_meshed():
    found = analyse(PAINTED)
    assert len(found.faces) == 1
    face = found.faces[0]
    assert face.has_mesh and 15 < abs(face.yaw) < 60
