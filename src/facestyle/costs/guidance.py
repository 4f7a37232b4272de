"""Face-aware cost terms: face protection and region-aware style targets.

Face protection ``p`` in [0, 1] raises the content weight over the eyes, brows, lips and face outline
(``1 + PROTECT_CONTENT_GAIN·p`` at the content layer, plus a finer content term at
``DETAIL_LAYER`` inside those features). With a landscape this alone is the default face-aware mode
(``region_style="off"``); it kept landmarks closest to the photo (BENCHMARKS.md#faces).

Gatys et al. 2017 ("Controlling Perceptual Factors in Neural Style Transfer") control style spatially
by computing Gram matrices per region; here the regions come from the face stage
(:class:`facestyle.faces.guide.FaceMasks`): eyes, brows, lips, nose, skin, hair and body, background.

* ``region_style="matched"`` with a painting that is itself a portrait: every region of the photo
  takes its statistics from the same region of the painting (eyes from the painted eyes, skin from
  painted skin, background from background). A region the painting lacks falls back to the whole
  painting.
* ``"shared"`` (and ``"matched"`` with a landscape): every region matches the whole painting's
  statistics, so texture is spread evenly instead of piling up where it fits best.

With either, protection also lowers the style weight of the face regions (:data:`STYLE_RELIEF`).

With the default ``region_style="off"`` and a painting that is itself a portrait, protection also
takes the painting's face out of the deepest style layer and halves the photo's there
(:data:`DEEP_RELIEF`, :data:`PAINTING_RELIEF`). A portrait's relu5_1 Gram holds a face (eyes, nose
and mouth detectors firing together), and plain Gatys satisfies it by repainting the photo's face
as the painted one; relieving only the photo's face moves the painted face elsewhere in the picture,
so the painting's face leaves the target too (docs/faces.md, BENCHMARKS.md#faces).

Every function here takes masks that the face stage made; none analyses an image.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from facestyle.costs.losses import (
    RegionStyleLoss,
    StyleLoss,
    WeightedContentLoss,
    masked_gram_per_position,
)
from facestyle.faces.guide import FaceMasks, merge_face_regions
from facestyle.faces.masks import REGIONS, resize_masks

#: At p = 1 the content weight over the face features is 1 + this.
PROTECT_CONTENT_GAIN = 4.0
#: A shallower layer whose content term (inside the face features only) keeps eyes and lips in place.
DETAIL_LAYER = "relu3_1"
#: Weight of that detail term relative to α, at p = 1.
DETAIL_GAIN = 1.0
#: How much face protection lowers the style weight of each face region at p = 1.
STYLE_RELIEF = {"eyes": 0.8, "brows": 0.8, "lips": 0.8, "nose": 0.6, "skin": 0.5, "face": 0.5}
#: Layers fine enough for per-feature regions (eyes, brows, lips, nose, skin) when the painting is a
#: portrait. Deeper layers see a few positions per eye, too few for statistics of their own, so
#: there (and for paintings without a face) the face is one region with the same three as the
#: person and background: an eye matching a whole landscape's statistics grows a star in it.
FEATURE_LAYERS = ("relu1_1", "relu2_1", "relu3_1")

#: Style relief over the photo's face at these layers when the painting is a portrait (× face
#: protection): the face's positions count (1 − relief)² as much in the layer's Gram. Only the
#: deepest layer: shallower ones carry the colour and brush texture the face should take on.
#: Half, not all: a face left entirely out of relu5_1 is free to grow activations there that no
#: term restrains, and the whole-image style cost at that layer then rises far above plain Gatys's;
#: at one half the painted face still does not come back, since the target leaves it out
#: (:data:`PAINTING_RELIEF`; BENCHMARKS.md#faces).
DEEP_RELIEF = {"relu5_1": 0.5}
#: How much the painting's own face is left out of its Gram target at those layers (1 = entirely).
PAINTING_RELIEF = {"relu5_1": 1.0}

#: Relief is skipped when less than this share of the photo or the painting would be left outside
#: the face: matching almost nothing against almost nothing says nothing about style.
MIN_KEPT_SHARE = 0.1

#: A region covering less than this share of the image is skipped (too few positions for statistics).
MIN_REGION_SHARE = 0.002
#: A style region needs at least this many positions at a layer to be its own target.
MIN_STYLE_POSITIONS = 4.0


def region_weights(protect: float) -> dict[str, float]:
    """Style weight per region (fine and merged) for face protection ``protect`` (1 everywhere at 0)."""
    return {name: 1.0 - STYLE_RELIEF.get(name, 0.0) * protect for name in (*REGIONS, "face")}


def protected_content_terms(
    content_features: dict[str, torch.Tensor], content_layer: str, feature_mask: torch.Tensor, protect: float
) -> list[WeightedContentLoss]:
    """Content terms with face protection: a raised weight map at the content layer, plus a detail
    term at :data:`DETAIL_LAYER` that only looks at the face features (``feature_mask`` (H, W))."""
    target = content_features[content_layer]
    small = resize_masks({"f": feature_mask}, target.shape[-2:])["f"].to(target.device)
    terms = [WeightedContentLoss(content_layer, target, (1.0 + PROTECT_CONTENT_GAIN * protect * small)[None, None])]
    if protect > 0 and DETAIL_LAYER in content_features:
        detail = content_features[DETAIL_LAYER]
        small = resize_masks({"f": feature_mask}, detail.shape[-2:])["f"].to(detail.device)
        terms.append(WeightedContentLoss(DETAIL_LAYER, detail, (DETAIL_GAIN * protect * small)[None, None]))
    return terms


@dataclass(frozen=True)
class RegionLayout:
    """The photo's regions at one layer that take part in its style term, with their weights.

    Attributes:
        names: region names, in order.
        masks: (R, h, w) the photo's masks at the layer's resolution.
        weights: (R,) style weight × the region's share of the image, so with one region the term
            is the report's J_style^[ℓ] and small regions do not outweigh the background.
    """

    names: tuple[str, ...]
    masks: torch.Tensor
    weights: torch.Tensor


def region_layout(
    layer: str, generated_shape: tuple[int, int], masks: FaceMasks, weights: dict[str, float], *, per_feature: bool
) -> RegionLayout:
    """Which of the photo's regions count at ``layer`` (activations of ``generated_shape`` = (h, w)).

    ``per_feature``: eyes, brows, lips, nose and skin are regions of their own (only at
    :data:`FEATURE_LAYERS`, and only for a matched portrait); otherwise the face is one region.
    Regions under :data:`MIN_REGION_SHARE` of the image, or with no style weight, are left out.
    """
    regions = masks.regions if per_feature else merge_face_regions(masks.regions)
    small = resize_masks(regions, generated_shape)
    positions = generated_shape[0] * generated_shape[1]
    names, kept, kept_weights = [], [], []
    for name, mask in small.items():
        share = float(mask.sum()) / positions
        if share < MIN_REGION_SHARE or weights.get(name, 1.0) <= 0:
            continue
        names.append(name)
        kept.append(mask)
        kept_weights.append(share * weights.get(name, 1.0))
    return RegionLayout(tuple(names), torch.stack(kept), torch.tensor(kept_weights))


def region_targets(
    style_features: torch.Tensor, names: tuple[str, ...], painting_regions: dict[str, torch.Tensor] | None, *,
    per_feature: bool,
) -> torch.Tensor:
    """(R, C, C) per-position Gram targets of one painting (activations (1, C, h, w)), one per region.

    A region takes the painting's same region when ``painting_regions`` has enough of it at this
    layer (:data:`MIN_STYLE_POSITIONS`), else the whole painting's statistics.
    """
    device = style_features.device
    whole = masked_gram_per_position(style_features, torch.ones(style_features.shape[-2:], device=device))[0]
    small: dict[str, torch.Tensor] = {}
    if painting_regions:
        regions = painting_regions if per_feature else merge_face_regions(painting_regions)
        small = resize_masks(regions, style_features.shape[-2:])
    targets = []
    for name in names:
        mask = small.get(name)
        if mask is not None and float(mask.sum()) >= MIN_STYLE_POSITIONS:
            targets.append(masked_gram_per_position(style_features, mask.to(device))[0])
        else:
            targets.append(whole)
    return torch.stack(targets)


def painting_target(layer: str, features: torch.Tensor, painted_face: torch.Tensor | None) -> torch.Tensor:
    """The per-position Gram target (1, C, C) of a painting's activations (1, C, h, w) at ``layer``.

    With ``painted_face`` (the painting's face mask at any size of its aspect ratio) the face's
    positions are weighted ``1 − PAINTING_RELIEF[layer]``, so the target asks for no face.
    """
    if painted_face is None:
        return StyleLoss.from_features(layer, features).target
    mask = resize_masks({"face": painted_face}, tuple(features.shape[-2:]))["face"].to(features.device)
    return masked_gram_per_position(features, 1.0 - PAINTING_RELIEF[layer] * mask)


def relief_applies(masks: FaceMasks) -> bool:
    """Whether the deep relief is used: the painting is a portrait, and neither face fills so much
    of its picture that less than :data:`MIN_KEPT_SHARE` would be left to match (a close-up)."""
    painted = masks.painted_face
    if painted is None:
        return False
    return min(1 - float(masks.photo_face.mean()), 1 - float(painted.mean())) >= MIN_KEPT_SHARE


def relieved_style_loss(
    layer: str, target: torch.Tensor, photo_face: torch.Tensor, shape: tuple[int, int], protect: float
) -> RegionStyleLoss:
    """J_style^[ℓ] with the photo's face positions weighted ``1 − DEEP_RELIEF[layer]·protect``.

    Args:
        target: the painting's per-position Gram (1, C, C) at ``layer``.
        photo_face: the photo's face mask (H, W) in [0, 1], resized here to ``shape`` = (h, w) of
            the layer's activations.

    One region covering the whole image: with ``protect`` 0 this is the report's J_style^[ℓ].
    """
    face = resize_masks({"face": photo_face}, shape)["face"].to(target.device)
    weight = 1.0 - DEEP_RELIEF[layer] * protect * face.clamp(0, 1)
    return RegionStyleLoss(layer, target, weight[None], torch.ones(1, device=target.device, dtype=target.dtype))
