"""Face analysis on small real photos: one face, none, two, a tiny one, grayscale, a painted one."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from facestyle.errors import InputImageError
from facestyle.faces import analysis as faces_module
from facestyle.faces.analysis import (
    LANDMARKS,
    NUM_LANDMARKS,
    Box,
    Face,
    analyse,
)
from facestyle.image.io import load_image
from tests.conftest import DATA

PORTRAIT = DATA / "face_koch_256.jpg"
GRAY = DATA / "face_washington_gray_256.jpg"
PAINTED = DATA / "style_vermeer_256.jpg"


@pytest.fixture(scope="module")
def portrait():
    return analyse(PORTRAIT)


def side_by_side(*paths) -> Image.Image:
    images = [load_image(p) for p in paths]
    canvas = Image.new("RGB", (sum(i.width for i in images), max(i.height for i in images)), "white")
    x = 0
    for image in images:
        canvas.paste(image, (x, 0))
        x += image.width
    return canvas


def tiny_face_canvas(face_px: int = 32, size=(1000, 800), at=(640, 260)) -> tuple[Image.Image, Box]:
    """The portrait shrunk so its face is about ``face_px`` pixels, pasted on a large plain canvas."""
    photo = load_image(PORTRAIT)
    scale = face_px / 79  # the portrait's face box is about 79 px wide
    small = photo.resize((round(photo.width * scale), round(photo.height * scale)), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", size, (200, 210, 220))
    canvas.paste(small, at)
    return canvas, Box(at[0], at[1], at[0] + small.width, at[1] + small.height)


def test_a_portrait_has_one_face_with_478_landmarks_in_pixels(portrait):
    assert (portrait.width, portrait.height) == (192, 256)
    assert len(portrait.faces) == 1
    face = portrait.faces[0]
    assert face.has_mesh and face.source == "mesh"
    assert face.landmarks.shape == (NUM_LANDMARKS, 2) and face.landmarks.dtype == np.float32
    assert 0.5 < face.score <= 1
    box = face.box
    inside = (face.landmarks >= [box.x0 - 20, box.y0 - 40]) & (face.landmarks <= [box.x1 + 20, box.y1 + 20])
    assert inside.all()
    # The person's right eye is on the image's left in a frontal photo.
    assert face.right_eye_center[0] < face.point("nose_tip")[0] < face.left_eye_center[0]
    assert face.point("nose_tip")[1] < face.point("upper_lip_top")[1] < face.point("chin")[1]
    assert 0.3 * box.width < face.interocular < 0.8 * box.width
    assert abs(face.yaw) < 25 and not face.is_profile
    assert set(face.keypoints) == {"right_eye", "left_eye", "nose_tip", "mouth_center", "right_ear", "left_ear"}


def test_person_mask_covers_the_sitter_not_the_corner(portrait):
    person = portrait.person
    assert person.shape == (256, 192) and person.dtype == np.float32
    assert 0 <= person.min() and person.max() <= 1
    x, y = portrait.faces[0].point("nose_tip")
    assert person[int(y), int(x)] > 0.5
    assert person[:10, :10].mean() < 0.5


def test_a_person_the_segmentation_misses_gets_a_head_and_shoulders_shape():
    """On some paintings the segmentation finds nobody; a face there still gets a person around it."""
    from facestyle.faces.analysis import _MODELS, _quiet_native_stderr, _segment_people

    flat = np.full((300, 240, 3), 128, np.uint8)
    face = Face(Box(90, 60, 150, 120), 0.9, {}, None, None, "detection")
    with _MODELS.lock, _quiet_native_stderr():
        person, guessed = _segment_people(flat, [face])
        nobody, none_guessed = _segment_people(flat, [])
    assert guessed and not none_guessed and nobody.max() < 0.5
    assert person[90, 120] > 0.9  # the face
    assert person[40, 120] > 0.5  # hair above it
    assert person[250, 120] > 0.9 and person[250, 40] > 0.5  # shoulders below
    assert person[20, 10] < 0.1 and person[20, 230] < 0.1  # not the top corners


def test_results_are_read_only_and_typed(portrait):
    face = portrait.faces[0]
    with pytest.raises(ValueError):
        face.landmarks[0, 0] = 1.0
    with pytest.raises(ValueError):
        portrait.person[0, 0] = 1.0
    with pytest.raises(KeyError, match="valid names: right_eye_outer"):
        face.point("third_eye")
    with pytest.raises(ValueError, match=r"\(478, 2\)"):
        Face(Box(0, 0, 1, 1), 0.9, {}, np.zeros((468, 2)))
    assert portrait.to_dict()["faces"][0]["landmarks"] == 478
    assert "1 face" in portrait.summary()


def test_a_detection_only_face_has_no_landmarks():
    face = Face(Box(10, 10, 50, 50), 0.9, {"right_eye": (20.0, 25.0), "left_eye": (40.0, 25.0)}, None, None, "detection")
    assert not face.has_mesh and face.interocular is None and face.is_profile
    assert face.right_eye_center == (20.0, 25.0)
    with pytest.raises(ValueError, match="no landmarks"):
        face.point("nose_tip")


@pytest.mark.parametrize("what", ["gradient", "starry night"])
def test_an_image_without_a_face_gives_no_faces_and_a_person_mask(what, gradient_image, style_path):
    image = gradient_image.resize((200, 120)) if what == "gradient" else style_path
    analysis = analyse(image)
    assert analysis.faces == () and not analysis.has_faces
    assert analysis.person.shape == (analysis.height, analysis.width)
    assert analysis.summary().startswith("no face found")


def test_two_faces_side_by_side_are_both_found_largest_first():
    pair = side_by_side(PORTRAIT, GRAY)
    analysis = analyse(pair)
    assert len(analysis.faces) == 2
    assert all(face.has_mesh for face in analysis.faces)
    assert analysis.faces[0].box.area >= analysis.faces[1].box.area
    centers = sorted(face.box.center[0] for face in analysis.faces)
    assert centers[0] < 192 < centers[1]  # one face in each photo
    only = analyse(pair, max_faces=1).faces
    assert len(only) == 1 and only[0].box.area == pytest.approx(analysis.faces[0].box.area)


def test_a_tiny_face_in_a_large_image_is_found_with_landmarks():
    canvas, pasted = tiny_face_canvas(face_px=32)
    analysis = analyse(canvas)
    assert len(analysis.faces) == 1
    face = analysis.faces[0]
    assert face.has_mesh and face.size < 64
    assert pasted.contains(face.point("nose_tip")) and pasted.contains(face.right_eye_center)


def test_a_tilted_head_is_found_and_not_mistaken_for_a_turned_one(portrait):
    rotated = load_image(PORTRAIT).rotate(90, expand=True)
    analysis = analyse(rotated)
    assert len(analysis.faces) == 1
    face = analysis.faces[0]
    assert face.has_mesh and not face.is_profile
    assert face.yaw == pytest.approx(portrait.faces[0].yaw, abs=8)


def test_a_grayscale_photo_works():
    with Image.open(GRAY) as image:
        assert image.mode == "L"
    analysis = analyse(GRAY)
    assert len(analysis.faces) == 1 and analysis.faces[0].has_mesh


def test_a_painted_three_quarter_face_is_meshed():
    analysis = analyse(PAINTED)
    assert len(analysis.faces) == 1
    face = analysis.faces[0]
    assert face.has_mesh and 15 < abs(face.yaw) < 60


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
    monkeypatch.setattr(faces_module, "_mesh_one_crop", lambda *args: queue.pop(0) if queue else None)


def test_a_face_mesh_is_the_mean_of_the_crops_that_agree(monkeypatch):
    # Three crops agree within a pixel; the fourth jumped 30 px (0.3 of the eye distance): left out.
    _fake_crops(monkeypatch, [_mesh_at(0), _mesh_at(1), _mesh_at(2), _mesh_at(30)])
    points = faces_module._mesh_crop(np.zeros((64, 64, 3), np.uint8), Box(0, 0, 10, 10))
    np.testing.assert_allclose(points[:, 0], _mesh_at(1)[:, 0], atol=1e-4)


def test_a_weak_detection_needs_most_crops_of_one_kind_to_agree(monkeypatch):
    box, image = Box(0, 0, 10, 10), np.zeros((64, 64, 3), np.uint8)
    _fake_crops(monkeypatch, [_mesh_at(0), _mesh_at(1), _mesh_at(2), None])  # 3 of 4 colour crops
    assert faces_module._mesh_crop(image, box, confirm=True) is not None
    # 2 of 4 colour crops agree and no greyscale one: what texture does by chance (Lincoln's coat).
    _fake_crops(monkeypatch, [_mesh_at(0), _mesh_at(1), _mesh_at(30), None])
    assert faces_module._mesh_crop(image, box, confirm=True) is None
    _fake_crops(monkeypatch, [_mesh_at(0)])  # a strong detection takes even one mesh
    assert faces_module._mesh_crop(image, box, confirm=False) is not None
    # No colour mesh, 4 of 6 greyscale crops agree (a blue-cast face).
    _fake_crops(monkeypatch, [None] * 4 + [_mesh_at(0), _mesh_at(1), None, _mesh_at(0), _mesh_at(2), None])
    assert faces_module._mesh_crop(image, box, confirm=True) is not None


def test_colour_meshes_that_disagree_are_settled_by_greyscale_ones(monkeypatch):
    box, image = Box(0, 0, 10, 10), np.zeros((64, 64, 3), np.uint8)
    _fake_crops(monkeypatch, [_mesh_at(0), _mesh_at(30), None, None, _mesh_at(29), _mesh_at(31)])
    points = faces_module._mesh_crop(image, box)
    np.testing.assert_allclose(points[:, 0], _mesh_at(30)[:, 0], atol=1e-4)
    # As a weak detection, 2 of 6 greyscale crops are not enough.
    _fake_crops(monkeypatch, [_mesh_at(0), _mesh_at(30), None, None, _mesh_at(29), _mesh_at(31)])
    assert faces_module._mesh_crop(image, box, confirm=True) is None


def test_a_face_the_colour_crops_hide_is_meshed_in_greyscale(monkeypatch):
    """A painting's colour cast can hide a face from the mesh's detector; its shading still shows."""
    meshed = faces_module._mesh_one_crop

    def colour_blind(rgb, *args):
        is_grey = np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2])
        return meshed(rgb, *args) if is_grey else None

    monkeypatch.setattr(faces_module, "_mesh_one_crop", colour_blind)
    analysis = analyse(PORTRAIT)
    assert len(analysis.faces) == 1 and analysis.faces[0].has_mesh


def test_meshing_a_slightly_noisy_copy_moves_the_landmarks_little(portrait):
    rng = np.random.default_rng(0)
    photo = np.asarray(load_image(PORTRAIT)).astype(np.float32)
    noisy = Image.fromarray(np.clip(photo + rng.normal(0, 6, photo.shape), 0, 255).astype(np.uint8))
    face, again = portrait.faces[0], analyse(noisy).faces[0]
    assert np.linalg.norm(face.landmarks - again.landmarks, axis=1).mean() / face.interocular < 0.02


def test_bad_input_and_bad_options():
    with pytest.raises(InputImageError, match="does not exist"):
        analyse(Path("no/such/photo.jpg"))
    with pytest.raises(ValueError, match="max_faces"):
        analyse(PORTRAIT, max_faces=0)
    with pytest.raises(ValueError, match="min_score"):
        analyse(PORTRAIT, min_score=1.5)


def test_threads_share_the_models_safely(portrait):
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(analyse, [PORTRAIT, PORTRAIT, GRAY]))
    np.testing.assert_array_equal(results[0].faces[0].landmarks, portrait.faces[0].landmarks)
    np.testing.assert_array_equal(results[1].faces[0].landmarks, portrait.faces[0].landmarks)
    assert len(results[2].faces) == 1


def test_scaled_face_moves_every_coordinate(portrait):
    face = portrait.faces[0]
    half = face.scaled(0.5, 0.5)
    np.testing.assert_allclose(half.landmarks, face.landmarks * 0.5, rtol=1e-6)
    assert half.box.width == pytest.approx(face.box.width / 2)
    assert half.keypoints["nose_tip"][0] == pytest.approx(face.keypoints["nose_tip"][0] / 2)
    assert half.yaw == face.yaw


def test_named_landmarks_are_valid_indices():
    assert all(0 <= index < NUM_LANDMARKS for index in LANDMARKS.values())


def test_mediapipe_logs_stay_off_the_terminal():
    """A fresh process: mediapipe's C++ start-up messages must not reach stderr."""
    command = [sys.executable, "-c", f"from facestyle.faces.analysis import analyse; print(len(analyse({str(PORTRAIT)!r}).faces))"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=_env())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
    assert done.stderr == ""


def _env():
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2] / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("FACESTYLE_MEDIAPIPE_LOGS", None)
    return env
