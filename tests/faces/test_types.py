"""The typed results: boxes, faces with named landmarks, the analysis of one image."""

import numpy as np
import pytest

from facestyle.faces.types import LANDMARKS, NUM_LANDMARKS, Box, Face, FaceAnalysis


def test_box_geometry():
    box = Box(0, 0, 10, 20)
    assert (box.width, box.height, box.area, box.center) == (10, 20, 200, (5, 10))
    assert box.iou(box) == 1.0 and box.iou(Box(20, 20, 30, 30)) == 0.0
    assert box.iou(Box(5, 0, 15, 20)) == pytest.approx(100 / 300)
    assert box.contains((10, 20)) and not box.contains((10.5, 5))
    assert box.scaled(2, 0.5).as_tuple() == (0, 0, 20, 10)


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


def test_an_analysis_refuses_a_person_mask_of_another_size():
    with pytest.raises(ValueError, match=r"person mask must have shape \(20, 30\)"):
        FaceAnalysis(30, 20, (), np.zeros((30, 20), np.float32))


def test_a_detection_only_face_has_no_landmarks():
    face = Face(Box(10, 10, 50, 50), 0.9, {"right_eye": (20.0, 25.0), "left_eye": (40.0, 25.0)}, None, None, "detection")
    assert not face.has_mesh and face.interocular is None and face.is_profile
    assert face.right_eye_center == (20.0, 25.0)
    with pytest.raises(ValueError, match="no landmarks"):
        face.point("nose_tip")


def test_scaled_face_moves_every_coordinate(portrait):
    face = portrait.faces[0]
    half = face.scaled(0.5, 0.5)
    np.testing.assert_allclose(half.landmarks, face.landmarks * 0.5, rtol=1e-6)
    assert half.box.width == pytest.approx(face.box.width / 2)
    assert half.keypoints["nose_tip"][0] == pytest.approx(face.keypoints["nose_tip"][0] / 2)
    assert half.yaw == face.yaw


def test_named_landmarks_are_valid_indices():
    assert all(0 <= index < NUM_LANDMARKS for index in LANDMARKS.values())
