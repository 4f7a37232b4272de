"""The stage's entry point on small real photos: one face, none, two, grayscale; its options; its API."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import facestyle.faces
from facestyle.errors import InputImageError
from facestyle.faces import analysis, types
from facestyle.faces.analysis import NUM_LANDMARKS, analyse
from tests.faces.conftest import GRAY, PORTRAIT, side_by_side


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


@pytest.mark.parametrize("what", ["gradient", "starry night"])
def test_an_image_without_a_face_gives_no_faces_and_a_person_mask(what, gradient_image, style_path):
    image = gradient_image.resize((200, 120)) if what == "gradient" else style_path
    found = analyse(image)
    assert found.faces == () and not found.has_faces
    assert found.person.shape == (found.height, found.width)
    assert found.summary().startswith("no face found")


def test_two_faces_side_by_side_are_both_found_largest_first():
    pair = side_by_side(PORTRAIT, GRAY)
    found = analyse(pair)
    assert len(found.faces) == 2
    assert all(face.has_mesh for face in found.faces)
    assert found.faces[0].box.area >= found.faces[1].box.area
    centers = sorted(face.box.center[0] for face in found.faces)
    assert centers[0] < 192 < centers[1]  # one face in each photo
    only = analyse(pair, max_faces=1).faces
    assert len(only) == 1 and only[0].box.area == pytest.approx(found.faces[0].box.area)


def test_a_grayscale_photo_works():
    with Image.open(GRAY) as image:
        assert image.mode == "L"
    found = analyse(GRAY)
    assert len(found.faces) == 1 and found.faces[0].has_mesh


def test_bad_input_and_bad_options():
    with pytest.raises(InputImageError, match="does not exist"):
        analyse(Path("no/such/photo.jpg"))
    with pytest.raises(ValueError, match="max_faces"):
        analyse(PORTRAIT, max_faces=0)
    with pytest.raises(ValueError, match="min_score"):
        analyse(PORTRAIT, min_score=1.5)


def test_the_stage_api_is_importable_from_the_package_and_from_analysis():
    for name in ("Box", "Face", "FaceAnalysis", "LANDMARKS", "NO_FACE_NOTICE"):
        assert getattr(analysis, name) is getattr(types, name) is getattr(facestyle.faces, name)
    assert facestyle.faces.analyse is analyse
    assert set(facestyle.faces.__all__) >= {"analyse", "region_masks", "feature_mask", "landmark_nme", "render_mask_overlay"}
    assert all(hasattr(facestyle.faces, name) for name in facestyle.faces.__all__)


def test_the_quick_analysis_finds_the_portraits_face_where_the_full_one_does(portrait):
    from facestyle.faces.analysis import analyse_quick
    from facestyle.faces.distortion import nme_of

    quick = analyse_quick(PORTRAIT)
    assert (quick.width, quick.height) == (portrait.width, portrait.height) and len(quick.faces) == 1
    face, full = quick.faces[0], portrait.faces[0]
    assert face.has_mesh and face.landmarks.shape == (NUM_LANDMARKS, 2)
    assert nme_of(full.landmarks, face.landmarks) < 0.03  # the same face, to within the mesh's jitter
    assert not quick.person.any()  # no person mask: the face step needs none


def test_the_quick_analysis_of_a_faceless_picture_is_the_full_one(style_path):
    from facestyle.faces.analysis import analyse_quick

    quick, full = analyse_quick(style_path), analyse(style_path)
    assert quick.faces == full.faces == ()
    assert np.array_equal(quick.person, full.person)


def test_the_kept_quick_analysis_is_made_once_per_picture(monkeypatch):
    from facestyle.faces.analysis import analyse_quick_cached

    made = []
    monkeypatch.setattr(analysis, "_quick_analyses", analysis.Kept(2))
    monkeypatch.setattr(analysis, "analyse_quick", lambda picture: made.append(picture) or analyse(picture))
    picture = Image.open(PORTRAIT).convert("RGB")
    first = analyse_quick_cached(picture)
    assert analyse_quick_cached(picture.copy()) is first and len(made) == 1  # same pixels: kept
    changed = picture.copy()
    changed.putpixel((0, 0), (0, 0, 0) if picture.getpixel((0, 0)) != (0, 0, 0) else (255, 255, 255))
    assert analyse_quick_cached(changed) is not first and len(made) == 2  # one pixel differs: made again
    assert first.faces and first.width == picture.width
