"""Region masks: a soft partition in the right places, at any size; the feature mask; resizing."""

import numpy as np
import pytest
import torch

from facestyle.faces.analysis import analyse
from facestyle.faces.masks import (
    FACE_REGIONS,
    NEGLIGIBLE,
    REGIONS,
    _convex_hull,
    feature_mask,
    mesh_polygons,
    region_masks,
    resize_masks,
)
from facestyle.faces.types import Box, Face, FaceAnalysis
from tests.faces.conftest import GRAY, PORTRAIT, side_by_side


@pytest.fixture(scope="module")
def masks(portrait):
    return region_masks(portrait)


def value_at(mask: torch.Tensor, point, scale=1.0) -> float:
    x, y = point
    return float(mask[int(round(y * scale)), int(round(x * scale))])


def assert_partition(masks, shape):
    assert tuple(masks) == REGIONS
    stack = torch.stack(list(masks.values()))
    assert stack.shape == (len(REGIONS), *shape) and stack.dtype == torch.float32
    assert stack.min() >= 0 and stack.max() <= 1 + 1e-6
    torch.testing.assert_close(stack.sum(dim=0), torch.ones(shape), atol=1e-5, rtol=0)


def test_masks_partition_the_image(portrait, masks):
    assert_partition(masks, (256, 192))


def test_each_region_is_where_its_landmarks_are(portrait, masks):
    face = portrait.faces[0]
    assert value_at(masks["eyes"], face.right_eye_center) > 0.5
    assert value_at(masks["eyes"], face.left_eye_center) > 0.5
    assert value_at(masks["nose"], face.point("nose_tip")) > 0.5
    upper, lower = face.landmarks[13], face.landmarks[14]  # inner lip midpoints
    assert value_at(masks["lips"], (upper + lower) / 2) > 0.5
    # A brow is about 3 px thick here: its mask's centre of mass sits on the brow's landmarks.
    for indices in mesh_polygons()["brows"]:
        points = face.landmarks[list(indices)]
        window = masks["brows"].clone()
        x0, y0 = points.min(axis=0) - 4
        x1, y1 = points.max(axis=0) + 4
        window[:, : int(x0)] = 0
        window[:, int(x1) :] = 0
        window[: int(y0)] = 0
        window[int(y1) :] = 0
        ys, xs = torch.meshgrid(torch.arange(256.0), torch.arange(192.0), indexing="ij")
        centre = np.array([float((window * xs).sum() / window.sum()), float((window * ys).sum() / window.sum())])
        assert np.linalg.norm(centre - points.mean(axis=0)) < 0.1 * face.interocular
        assert float(window.max()) > 0.4
    assert value_at(masks["skin"], face.landmarks[205]) > 0.5 and value_at(masks["skin"], face.landmarks[425]) > 0.5
    assert value_at(masks["background"], (3, 3)) > 0.5  # the flag behind her, not the person
    assert value_at(masks["hair_body"], (96, 250)) > 0.5  # her flight suit
    # Features are small next to the skin.
    area = {name: float(mask.sum()) for name, mask in masks.items()}
    assert area["eyes"] < area["nose"] < area["skin"] and area["brows"] < area["skin"] / 5


def test_masks_at_a_working_size_scale_the_landmarks(portrait):
    small = region_masks(portrait, (128, 96))
    assert_partition(small, (128, 96))
    face = portrait.faces[0]
    assert value_at(small["eyes"], face.right_eye_center, scale=0.5) > 0.4
    big = region_masks(portrait, (512, 384))
    assert value_at(big["lips"], (face.landmarks[13] + face.landmarks[14]) / 2, scale=2) > 0.5


def test_a_squashing_size_is_refused(portrait):
    with pytest.raises(ValueError, match="aspect ratio"):
        region_masks(portrait, (256, 256))
    with pytest.raises(ValueError, match="softness"):
        region_masks(portrait, softness=-1)


def test_softness_zero_gives_nearly_hard_edges(portrait):
    hard = region_masks(portrait, softness=0.0)
    soft = region_masks(portrait, softness=0.1)
    assert_partition(hard, (256, 192))
    undecided = lambda m: float(((m["skin"] > 0.05) & (m["skin"] < 0.95)).float().mean())  # noqa: E731
    assert undecided(hard) < undecided(soft)


def test_a_face_less_image_is_all_person_or_background(gradient_image):
    analysis = analyse(gradient_image.resize((120, 72)))
    masks = region_masks(analysis)
    assert_partition(masks, (72, 120))
    for name in FACE_REGIONS:
        assert float(masks[name].abs().max()) == 0.0
    assert float(feature_mask(analysis).max()) == 0.0


def test_two_faces_each_get_their_features():
    pair = side_by_side(PORTRAIT, GRAY)
    analysis = analyse(pair)
    masks = region_masks(analysis)
    assert_partition(masks, (pair.height, pair.width))
    for face in analysis.faces:
        assert value_at(masks["eyes"], face.left_eye_center) > 0.5


def test_a_face_without_mesh_still_gets_approximate_regions():
    box = Box(40, 40, 120, 120)
    face = Face(box, 0.9, {"right_eye": (60.0, 70.0), "left_eye": (100.0, 70.0), "mouth_center": (80.0, 105.0)}, None, None, "detection")
    analysis = FaceAnalysis(160, 160, (face,), np.zeros((160, 160), np.float32))
    masks = region_masks(analysis)
    assert_partition(masks, (160, 160))
    assert value_at(masks["skin"], (80, 88)) > 0.5
    assert value_at(masks["eyes"], (60, 70)) > 0.5 and value_at(masks["lips"], (80, 105)) > 0.5


def test_feature_mask_covers_eyes_brows_lips_and_outline_not_the_cheeks(portrait):
    face = portrait.faces[0]
    mask = feature_mask(portrait)
    assert mask.shape == (256, 192) and mask.min() >= 0 and mask.max() <= 1
    assert value_at(mask, face.right_eye_center) > 0.5
    assert value_at(mask, (face.landmarks[13] + face.landmarks[14]) / 2) > 0.5
    assert value_at(mask, face.point("chin")) > 0.5  # the outline band
    assert value_at(mask, face.landmarks[205]) < 0.2  # mid-cheek
    assert value_at(mask, face.point("nose_tip")) < 0.2  # the nose is not asked for by default
    assert value_at(feature_mask(portrait, parts=("nose",)), face.point("nose_tip")) > 0.5
    with pytest.raises(ValueError, match="unknown feature part 'ears'"):
        feature_mask(portrait, parts=("ears",))


def test_resize_masks_averages_areas_and_keeps_the_partition(masks):
    small = resize_masks(masks, (32, 24))
    assert_partition(small, (32, 24))
    # Area averaging by 8 × 8 blocks keeps every region's share of the image.
    for name in REGIONS:
        assert float(small[name].mean()) == pytest.approx(float(masks[name].mean()), abs=1e-5)
    odd = resize_masks(masks, (37, 29))
    assert_partition(odd, (37, 29))
    up = resize_masks({"a": torch.tensor([[0.0, 1.0]])}, (2, 4))["a"]
    torch.testing.assert_close(up, torch.tensor([[0.0, 0.0, 1.0, 1.0]] * 2))
    assert resize_masks({}, (4, 4)) == {}


def test_masks_hold_no_subnormal_values(portrait, masks):
    # Subnormal floats (below ~1.2e-38) make CPU matmuls several times slower; masks are cut to exact zeros.
    def smallest_nonzero(tensor):
        return float(tensor[tensor > 0].min())

    assert all(smallest_nonzero(mask) >= NEGLIGIBLE for mask in masks.values())
    assert smallest_nonzero(feature_mask(portrait)) >= NEGLIGIBLE
    tails = {"a": torch.tensor([[1e-39, 0.5], [1e-7, 1.0]])}
    assert all(smallest_nonzero(mask) >= NEGLIGIBLE for mask in resize_masks(masks, (37, 29)).values())
    torch.testing.assert_close(resize_masks(tails, (2, 2))["a"], torch.tensor([[0.0, 0.5], [0.0, 1.0]]))


def test_masks_work_on_a_painted_face(painted_portrait_path):
    analysis = analyse(painted_portrait_path)
    masks = region_masks(analysis)
    assert_partition(masks, (analysis.height, analysis.width))
    face = analysis.faces[0]
    assert value_at(masks["eyes"], face.left_eye_center) > 0.5
    assert float(masks["skin"].sum()) > 20 * float(masks["eyes"].sum())


def test_convex_hull_drops_inner_points():
    hull = _convex_hull(np.array([[0, 0], [2, 0], [2, 2], [0, 2], [1, 1]], dtype=np.float32))
    assert len(hull) == 4 and [1, 1] not in hull.tolist()
