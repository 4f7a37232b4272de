"""The distortion metric: NME maths on synthetic landmarks, then real photos against altered copies."""

import json

import numpy as np
import pytest
from PIL import Image

from facestyle.errors import InputImageError
from facestyle.faces.distortion import (
    DistortionReport,
    compare_faces,
    landmark_nme,
    nme_of,
)
from facestyle.faces.types import Box, Face, FaceAnalysis
from facestyle.image.io import load_image
from tests.faces.conftest import GRAY, PORTRAIT, side_by_side


def synthetic_face(offset=(0.0, 0.0), box=Box(10, 10, 110, 110)) -> Face:
    rng = np.random.default_rng(0)
    points = rng.uniform(20, 100, size=(478, 2)).astype(np.float32)
    points[33] = (30, 50)  # right eye, outer corner
    points[263] = (90, 50)  # left eye, outer corner: inter-ocular 60 px
    return Face(box, 0.9, {}, points + np.array(offset, dtype=np.float32), 0.0, "mesh")


def synthetic_analysis(*faces: Face) -> FaceAnalysis:
    return FaceAnalysis(200, 150, faces, np.zeros((150, 200), np.float32))


def test_nme_is_mean_distance_over_outer_eye_corner_distance():
    face = synthetic_face()
    moved = synthetic_face(offset=(3.0, 4.0))  # every point 5 px away
    assert nme_of(face.landmarks, moved.landmarks) == pytest.approx(5 / 60)
    assert nme_of(face.landmarks, face.landmarks) == 0.0
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        nme_of(face.landmarks, face.landmarks[:10])
    with pytest.raises(ValueError, match="positive"):
        nme_of(face.landmarks, face.landmarks, 0.0)


def test_faces_are_paired_by_overlap_and_missing_ones_are_reported():
    left = synthetic_face()
    right = synthetic_face(offset=(80, 0), box=Box(90, 10, 190, 110))
    content = synthetic_analysis(left, right)
    result = synthetic_analysis(synthetic_face(offset=(80, 6), box=Box(92, 14, 192, 114)))
    report = compare_faces(content, result)
    assert (report.content_faces, report.result_faces) == (2, 1)
    first, second = report.faces
    assert not first.detected and first.nme is None
    assert second.detected and second.nme == pytest.approx(6 / 60)
    assert not report.face_detected
    assert report.mean_nme == report.max_nme == pytest.approx(0.1)


def test_no_face_in_the_content_is_a_report_not_an_error():
    report = compare_faces(synthetic_analysis(), synthetic_analysis(synthetic_face()))
    assert report.faces == () and not report.face_detected and report.mean_nme is None
    with pytest.raises(ValueError, match="different sizes"):
        compare_faces(synthetic_analysis(), FaceAnalysis(20, 10, (), np.zeros((10, 20), np.float32)))


def test_an_image_against_itself_has_nme_zero(portrait):
    report = landmark_nme(PORTRAIT, PORTRAIT, content_analysis=portrait)
    assert isinstance(report, DistortionReport)
    assert report.face_detected and report.content_faces == report.result_faces == 1
    assert report.mean_nme < 1e-3
    assert report.faces[0].interocular == pytest.approx(portrait.faces[0].interocular)
    json.dumps(report.to_dict())


def test_a_shifted_copy_has_the_nme_of_its_shift(portrait):
    image = load_image(PORTRAIT)
    shift = 6
    moved = Image.new("RGB", image.size, (128, 128, 128))
    moved.paste(image, (shift, 0))
    report = landmark_nme(image, moved, content_analysis=portrait)
    expected = shift / portrait.faces[0].interocular
    assert report.face_detected
    assert 0.6 * expected < report.faces[0].nme < 1.5 * expected


def test_a_warped_copy_has_a_larger_nme(portrait):
    image = load_image(PORTRAIT)
    # Stretch the face horizontally by 15 % about the middle (a distortion, not a shift).
    w, h = image.size
    warped = image.resize((round(w * 1.15), h), Image.Resampling.BICUBIC).crop((round(w * 0.075), 0, round(w * 0.075) + w, h))
    report = landmark_nme(image, warped, content_analysis=portrait)
    assert report.face_detected and report.faces[0].nme > 0.03


def test_a_larger_result_is_compared_at_the_content_size(portrait):
    image = load_image(PORTRAIT)
    report = landmark_nme(image, image.resize((384, 512), Image.Resampling.LANCZOS), content_analysis=portrait)
    assert (report.width, report.height) == image.size
    assert report.face_detected and report.mean_nme < 0.02


def test_a_blank_result_has_no_face():
    image = load_image(PORTRAIT)
    report = landmark_nme(image, Image.new("RGB", image.size, (90, 90, 90)))
    assert not report.face_detected and report.result_faces == 0
    assert report.faces[0].nme is None and report.mean_nme is None


def test_several_faces_are_each_measured():
    pair = side_by_side(PORTRAIT, GRAY)
    report = landmark_nme(pair, pair)
    assert len(report.faces) == 2 and report.face_detected and report.max_nme < 1e-3


def test_a_result_of_another_shape_or_a_mismatched_analysis_is_refused(portrait):
    image = load_image(PORTRAIT)
    with pytest.raises(InputImageError, match="another aspect ratio"):
        landmark_nme(image, image.resize((256, 256)))
    with pytest.raises(ValueError, match="content_analysis"):
        landmark_nme(image.resize((96, 128)), image, content_analysis=portrait)
