"""Face guidance in the objective: region-aware style and face protection, end to end on small images."""

import pytest
import torch

import facestyle
from facestyle.costs.guidance import (
    DEEP_RELIEF,
    region_layout,
    region_targets,
    region_weights,
)
from facestyle.faces.guide import analyse_pair, face_masks
from facestyle.faces.masks import REGIONS
from facestyle.image.io import load_image, resize_long_side
from tests.conftest import DATA


@pytest.fixture
def face_256(request):
    return DATA / "face_koch_256.jpg"


@pytest.fixture
def vermeer_256(request):
    return DATA / "style_vermeer_256.jpg"


def test_face_aware_run_protects_features_and_matches_regions(face_256, vermeer_256):
    result = facestyle.stylize(face_256, vermeer_256, size=96, steps=4, scales=1, face_aware=True)
    assert result.notes == ()
    assert {"content.relu4_2", "content.relu3_1"} <= set(result.history[-1])  # the detail term is on


def test_plain_mode_and_protect_zero_have_no_detail_term(face_256, vermeer_256):
    plain = facestyle.stylize(face_256, vermeer_256, size=64, steps=2, scales=1, face_aware=False)
    unprotected = facestyle.stylize(face_256, vermeer_256, size=64, steps=2, scales=1, face_aware=True,
                                    face_protect=0.0)
    assert "content.relu3_1" not in plain.history[-1] and "content.relu3_1" not in unprotected.history[-1]


def test_a_photo_without_a_face_says_so_once_and_still_works(style_path, vermeer_256):
    result = facestyle.stylize(style_path, vermeer_256, size=64, steps=2, scales=1, face_aware=True)
    assert result.notes == ("no face found; using plain style transfer for the whole image",)
    assert result.image.size[0] == 64


def _objective_for(face_256, vermeer_256, **options):
    from facestyle.costs.objective import build_objective
    from facestyle.features.encoder import load_encoder
    from facestyle.image.io import to_tensor
    from facestyle.settings import make_settings

    settings = make_settings(size=64, face_aware=True, **options)
    photo = resize_long_side(load_image(face_256), 64)
    painting = resize_long_side(load_image(vermeer_256), 64)
    masks = face_masks(analyse_pair(photo, painting), (photo.height, photo.width), (painting.height, painting.width))
    encoder = load_encoder(settings, torch.device("cpu"))
    return build_objective(encoder, to_tensor(photo), [to_tensor(painting)], settings, masks=masks)


def test_region_style_off_protects_the_face_with_the_plain_style_term(face_256, vermeer_256):
    from facestyle.costs.losses import RegionStyleLoss, StyleLoss, WeightedContentLoss

    protected = _objective_for(face_256, vermeer_256)  # the defaults: region_style off, protection 1
    # One Gram over the whole image per layer; a portrait painting's relu5_1 relieves the face.
    layers = [loss.layer for loss in protected.style_losses]
    assert all(type(loss) is StyleLoss for loss in protected.style_losses if loss.layer != "relu5_1")
    relieved = protected.style_losses[layers.index("relu5_1")]
    assert type(relieved) is RegionStyleLoss and len(relieved.targets) == 1
    # The photo's face keeps 1 − DEEP_RELIEF of its weight there (half: left out, it ran wild).
    assert float(relieved.masks.min()) == pytest.approx(1 - DEEP_RELIEF["relu5_1"], abs=0.05)
    assert float(relieved.masks.max()) == 1.0 and DEEP_RELIEF["relu5_1"] < 1
    plain = _objective_for(face_256, vermeer_256, face_protect=0.0).style_losses[layers.index("relu5_1")]
    assert not torch.allclose(relieved.targets[0], plain.target[0])  # and so is the painting's face
    assert all(type(loss) is WeightedContentLoss for loss in protected.content_losses)
    assert float(protected.content_losses[0].weight_map.max()) > 2  # 1 + 4·p over the features, area-averaged
    shared = _objective_for(face_256, vermeer_256, region_style="shared")
    matched = _objective_for(face_256, vermeer_256, region_style="matched")
    assert all(isinstance(loss, RegionStyleLoss) for loss in [*shared.style_losses, *matched.style_losses])
    # A portrait painting: only "matched" takes targets from its regions.
    first_shared, first_matched = shared.style_losses[0].targets, matched.style_losses[0].targets
    assert torch.allclose(first_shared, first_shared[:1].expand_as(first_shared))
    assert not torch.allclose(first_matched, first_matched[:1].expand_as(first_matched))


def test_face_aware_runs_analyse_the_painting_at_the_style_size(face_256, vermeer_256, monkeypatch):
    from facestyle import engine

    seen = []
    real = engine.analyse_pair
    monkeypatch.setattr(engine, "analyse_pair", lambda photo, painting: seen.append(painting) or real(photo, painting))
    facestyle.stylize(face_256, vermeer_256, size=48, steps=1, scales=1, face_aware=True, style_size=40)
    facestyle.stylize(face_256, vermeer_256, size=48, steps=1, scales=1, face_aware=False)
    assert len(seen) == 1 and max(seen[0].size) == 40


def test_a_landscape_painting_gets_no_relief(face_256, style_path):
    from facestyle.costs.losses import StyleLoss

    objective = _objective_for(face_256, style_path)  # a painting without a face
    assert all(type(loss) is StyleLoss for loss in objective.style_losses)


def test_relieved_style_loss_is_plain_without_relief_and_spares_the_face():
    from facestyle.costs.guidance import relieved_style_loss
    from facestyle.costs.losses import StyleLoss

    torch.manual_seed(0)
    style = torch.rand(1, 6, 9, 11)
    target = StyleLoss.from_features("relu5_1", style).target
    face = torch.zeros(8, 10)
    face[2:6, 3:7] = 1.0
    generated = torch.rand(1, 6, 8, 10, requires_grad=True)
    plain = StyleLoss("relu5_1", target)({"relu5_1": generated})
    none = relieved_style_loss("relu5_1", target, face, (8, 10), 0.0)({"relu5_1": generated})
    assert none.item() == pytest.approx(plain.item(), rel=1e-5)
    relieved = relieved_style_loss("relu5_1", target, face, (8, 10), 0.5)({"relu5_1": generated})
    (grad,) = torch.autograd.grad(relieved, generated)
    (plain_grad,) = torch.autograd.grad(plain, generated)
    # The face's share of the gradient falls when it is relieved.
    inside = lambda g: float(g[..., 2:6, 3:7].abs().sum() / g.abs().sum())  # noqa: E731
    assert inside(grad) < 0.6 * inside(plain_grad)


def test_protection_lowers_face_style_weights_only():
    weights = region_weights(1.0)
    assert weights["background"] == 1.0 and weights["hair_body"] == 1.0
    assert weights["eyes"] < weights["skin"] < 1.0
    assert region_weights(0.0) == dict.fromkeys((*REGIONS, "face"), 1.0)


def test_portrait_style_regions_take_their_own_targets(face_256, vermeer_256):
    photo = resize_long_side(load_image(face_256), 64)
    painting = resize_long_side(load_image(vermeer_256), 64)
    guide = analyse_pair(photo, painting)
    assert guide.has_faces and guide.style_is_portrait
    masks = face_masks(guide, (photo.height, photo.width), (painting.height, painting.width))
    features = torch.rand(1, 8, painting.height, painting.width)
    shape = (photo.height, photo.width)
    fine = region_layout("relu1_1", shape, masks, region_weights(0.0), per_feature=True)
    coarse = region_layout("relu1_1", shape, masks, region_weights(0.0), per_feature=False)
    portrait = region_targets(features, fine.names, masks.painting_regions, per_feature=True)
    landscape = region_targets(features, coarse.names, None, per_feature=False)
    # Without style regions every target is the whole painting's; with them they differ.
    assert torch.allclose(landscape, landscape[:1].expand_as(landscape))
    assert not torch.allclose(portrait, portrait[:1].expand_as(portrait))
    assert fine.weights.sum().item() == pytest.approx(1.0, abs=0.02)  # area shares of a partition
    # Fine regions for a matched portrait's shallow layers; face, person and background otherwise.
    assert len(coarse.names) <= 3 < len(fine.names)
    assert set(coarse.names) <= {"face", "hair_body", "background"}


def test_painting_target_leaves_the_painted_face_out_and_close_ups_get_no_relief(face_256, vermeer_256, monkeypatch):
    from facestyle.costs.guidance import painting_target, relief_applies
    from facestyle.costs.losses import StyleLoss

    torch.manual_seed(0)
    features = torch.rand(1, 4, 6, 8)
    face = torch.zeros(12, 16)
    face[:, :8] = 1.0  # the left half of the painting is its face
    whole = painting_target("relu5_1", features, None)
    assert torch.allclose(whole, StyleLoss.from_features("relu5_1", features).target)
    right = features[..., 4:]
    assert torch.allclose(painting_target("relu5_1", features, face), StyleLoss.from_features("relu5_1", right).target,
                          rtol=1e-5)
    photo = resize_long_side(load_image(face_256), 64)
    painting = resize_long_side(load_image(vermeer_256), 64)
    guide = analyse_pair(photo, painting)
    masks = face_masks(guide, (photo.height, photo.width), (painting.height, painting.width))
    assert relief_applies(masks) and 0 < float(masks.photo_face.mean()) < 0.9
    # A face that leaves less than MIN_KEPT_SHARE of a picture outside it turns the relief off.
    from facestyle.costs import guidance

    monkeypatch.setattr(guidance, "MIN_KEPT_SHARE", 1 - float(masks.photo_face.mean()) + 0.01)
    assert not relief_applies(masks)


def test_no_relief_when_the_analysed_painting_is_blended_out(face_256, vermeer_256, style_path):
    from facestyle.costs.losses import StyleLoss
    from facestyle.costs.objective import build_objective
    from facestyle.features.encoder import load_encoder
    from facestyle.image.io import to_tensor
    from facestyle.settings import make_settings

    settings = make_settings(size=64, face_aware=True, style_blend=(0.0, 1.0))
    photo = resize_long_side(load_image(face_256), 64)
    painting = resize_long_side(load_image(vermeer_256), 64)
    other = resize_long_side(load_image(style_path), 64)
    guide = analyse_pair(photo, painting)  # the first painting is the analysed portrait
    masks = face_masks(guide, (photo.height, photo.width), (painting.height, painting.width))
    encoder = load_encoder(settings, torch.device("cpu"))
    objective = build_objective(encoder, to_tensor(photo), [to_tensor(painting), to_tensor(other)], settings,
                                masks=masks)
    assert all(type(loss) is StyleLoss for loss in objective.style_losses)


def test_measure_costs_with_the_runs_face_guide_gives_the_cost_that_run_minimised(face_256, vermeer_256):
    photo = resize_long_side(load_image(face_256), 64)
    guide = analyse_pair(photo, resize_long_side(load_image(vermeer_256), 64))
    result = facestyle.stylize(face_256, vermeer_256, size=64, steps=20, scales=1, face_guide=guide, precision="fp32")
    own = facestyle.measure_costs(face_256, vermeer_256, result.image, size=64, face_guide=guide)
    plain = facestyle.measure_costs(face_256, vermeer_256, result.image, size=64)
    assert own["total"] == pytest.approx(result.final_costs["total"], rel=0.005)
    # Without the guide the same image is measured on the plain objective: no face terms.
    assert "content.relu3_1" in own and "content.relu3_1" not in plain
    assert plain["style"] != pytest.approx(own["style"], rel=0.01)


def test_matched_regions_with_several_paintings_of_other_shapes(face_256, vermeer_256, style_path):
    # Only the analysed (first) painting has region masks; a second painting of another aspect
    # ratio takes the whole-painting statistics for every region instead of borrowing the masks.
    result = facestyle.stylize(face_256, [vermeer_256, style_path], size=48, steps=2, scales=1,
                               region_style="matched", style_blend=(0.6, 0.4))
    assert result.image.size[0] <= 48 and "style.relu1_1" in result.history[-1]
