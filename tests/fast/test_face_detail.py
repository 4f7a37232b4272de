"""The face step: the photo's detail comes back inside the feature mask and nowhere else."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageFilter

from facestyle.faces.analysis import Box, Face, FaceAnalysis, analyse
from facestyle.fast.face_detail import (
    _blur,
    _gaussian,
    detail_mask,
    restore_face_detail,
)
from tests.conftest import DATA, read_image


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    return read_image(DATA / "face_koch_256.jpg").convert("RGB")


@pytest.fixture(scope="module")
def analysis(photo) -> FaceAnalysis:
    return analyse(photo)


@pytest.fixture(scope="module")
def painted(photo) -> Image.Image:
    """A stand-in for a stylisation: the photo blurred flat and tinted, so its features are gone."""
    array = np.asarray(photo.filter(ImageFilter.GaussianBlur(4)), dtype=np.float32)
    return Image.fromarray(np.clip(array * [1.0, 0.9, 0.6] + 20, 0, 255).astype(np.uint8), "RGB")


@pytest.mark.parametrize("scale", [1, 2])
def test_pixels_outside_the_mask_stay_and_features_come_back(photo, analysis, painted, scale):
    # At twice the size the mask is drawn at half size and enlarged: the same promise holds.
    size = (photo.width * scale, photo.height * scale)
    photo, painted = photo.resize(size), painted.resize(size)
    out = restore_face_detail(painted, photo, analysis)
    assert out.size == painted.size and out.mode == "RGB"
    mask = detail_mask(analysis, *size)
    changed = np.abs(np.asarray(out, dtype=np.int16) - np.asarray(painted, dtype=np.int16)).max(axis=2)
    assert (changed[mask == 0] == 0).all()
    assert changed[mask > 0.5].mean() > 3
    # Inside the mask the fine detail is the photo's again, where the flat painting had lost it.
    def detail(image: Image.Image) -> np.ndarray:
        grey = image.convert("L")
        smooth = grey.filter(ImageFilter.GaussianBlur(2 * scale))
        return np.asarray(grey, dtype=np.float32) - np.asarray(smooth, dtype=np.float32)

    inside = mask > 0.5
    reference = detail(photo)[inside]
    before, after = (np.corrcoef(detail(image)[inside], reference)[0, 1] for image in (painted, out))
    assert after > 0.8 and after > before + 0.3


def test_two_faces_each_get_their_detail_and_the_space_between_stays(photo, painted):
    # The step converts and writes only the box around the faces' windows: with two faces far
    # apart, everything outside their masks, the gap between them included, keeps its pixels.
    gap = photo.width

    def pair(image: Image.Image) -> Image.Image:
        canvas = Image.new("RGB", (2 * image.width + gap, image.height), (90, 80, 70))
        canvas.paste(image, (0, 0))
        canvas.paste(image, (image.width + gap, 0))
        return canvas

    photos, paintings = pair(photo), pair(painted)
    analysis = analyse(photos)
    assert len(analysis.faces) == 2
    out = restore_face_detail(paintings, photos, analysis)
    mask = detail_mask(analysis, *photos.size)
    changed = np.abs(np.asarray(out, dtype=np.int16) - np.asarray(paintings, dtype=np.int16)).max(axis=2)
    assert (changed[mask == 0] == 0).all()
    left, right = changed[:, : photo.width], changed[:, photo.width + gap :]
    assert left[mask[:, : photo.width] > 0.5].mean() > 3
    assert right[mask[:, photo.width + gap :] > 0.5].mean() > 3


def test_the_colours_stay_the_paintings(photo, analysis, painted):
    out = np.asarray(restore_face_detail(painted, photo, analysis), dtype=np.float32)
    before = np.asarray(painted, dtype=np.float32)
    # The same change in R, G and B: the tint survives wherever nothing clipped.
    delta = out - before
    unclipped = (out > 0).all(axis=2) & (out < 255).all(axis=2)
    assert np.abs(delta[..., 0] - delta[..., 2])[unclipped].max() <= 1


def test_a_faceless_photo_passes_through(gradient_image):
    empty = FaceAnalysis(gradient_image.width, gradient_image.height, (), np.zeros((24, 40), np.float32))
    assert restore_face_detail(gradient_image, gradient_image, empty) is gradient_image


def test_amount_zero_passes_through_and_a_bad_amount_is_refused(photo, analysis, painted):
    assert restore_face_detail(painted, photo, analysis, amount=0) is painted
    with pytest.raises(ValueError, match="amount"):
        restore_face_detail(painted, photo, analysis, amount=-1)


def test_an_analysis_at_another_size_and_a_face_without_mesh(photo, painted):
    small = photo.resize((photo.width // 2, photo.height // 2))
    out = restore_face_detail(painted, photo, analyse(small))
    assert out.size == painted.size and np.asarray(out).tobytes() != np.asarray(painted).tobytes()
    points = {"right_eye": (85.0, 95.0), "left_eye": (115.0, 95.0), "mouth_center": (100.0, 130.0)}
    face = Face(Box(60, 60, 140, 150), 0.9, points, None, None, "detection")
    detected = FaceAnalysis(photo.width, photo.height, (face,), np.zeros((photo.height, photo.width), np.float32))
    assert restore_face_detail(painted, photo, detected).size == painted.size


def test_the_shrunk_wide_blur_matches_a_full_size_one():
    rng = np.random.default_rng(0)
    planes = torch.from_numpy(rng.random((1, 1, 90, 70), dtype=np.float32)).cumsum(-1) / 35
    for sigma in (0.6, 2.0, 9.0):
        fast, exact = _blur(planes, sigma), _gaussian(planes, sigma)
        assert fast.shape == planes.shape
        inner = (slice(None), slice(None), slice(27, -27), slice(27, -27))
        assert float((fast - exact)[inner].abs().max()) < 0.01 * float(planes.max())
