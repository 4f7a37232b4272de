"""Face guidance for the objective: face protection and region-aware style targets.

Face protection ``p`` in [0, 1] raises the content weight over the eyes, brows, lips and face outline
(``1 + PROTECT_CONTENT_GAIN·p`` at the content layer, plus a finer content term at
``DETAIL_LAYER`` inside those features). This alone is the default face-aware mode
(``region_style="off"``): on the 256 px face benchmark it kept landmarks closest to the photo.

Gatys et al. 2017 ("Controlling Perceptual Factors in Neural Style Transfer") control style spatially
by computing Gram matrices per region; here the regions come from the face analysis
(:mod:`facestyle.faces.masks`): eyes, brows, lips, nose, skin, hair and body, background.

* ``region_style="matched"`` with a painting that is itself a portrait: every region of the photo
  takes its statistics from the same region of the painting (eyes from the painted eyes, skin from
  painted skin, background from background). A region the painting lacks falls back to the whole
  painting.
* ``"shared"`` (and ``"matched"`` with a landscape): every region matches the whole painting's
  statistics, so texture is spread evenly instead of piling up where it fits best.

With either, protection also lowers the style weight of the face regions (:data:`STYLE_RELIEF`).

With the default ``region_style="off"`` and a painting that is itself a portrait, protection also
takes the painting's face out of the deepest style layer and halves the photo's there
(:data:`DEEP_RELIEF`, :data:`PAINTING_RELIEF`): a
portrait's relu5_1 Gram holds a face (eyes, nose and mouth detectors firing together), and plain
Gatys satisfies it by repainting the photo's face as the painted one. Relieving only the photo's
face moves the painted face elsewhere (Washington × Vermeer at 512 px: the Vermeer girl's face
appeared in the background); leaving the painting's face out of the target too asks for none.
Measured at 512 px (one run each): Washington × Vermeer, landmark NME 0.347 with protection alone,
0.032 with the photo's face weighted 0.5 at relu5_1 (a second face painted on the coat), 0.018 with
both faces left out (no second face); the older man × Vermeer 0.162 → 0.039. The whole-image style
cost then rises where it asked for the painted face (0.111 → 0.355 for Washington, 0.065 → 0.071 for
the older man), since that measure still wants the painting's face at relu5_1. Matching the photo's
face to the painted face at relu5_1 instead (fifth session, three pairs) cut that layer's cost 3.6–17×
but repainted the faces as plain Gatys does (Washington × Vermeer NME 0.010 → 0.041).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from PIL import Image

from facestyle.costs.losses import (
    RegionStyleLoss,
    StyleLoss,
    WeightedContentLoss,
    masked_gram_per_position,
)

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
#: term restrains, and the whole-image style cost at that layer then rose up to 100× plain Gatys's
#: (thirteenth session, 512 px, one run each, whole-image style cost / NME, relief 1 → 0.5:
#: Washington × Vermeer 0.364 / 0.0133 → 0.082 / 0.0116, the low-key man × Van Gogh 0.904 / 0.0125
#: → 0.061 / 0.0208, × Rembrandt etching 0.789 / 0.0132 → 0.059 / 0.0193, the older man × Vermeer
#: 0.072 / 0.0265 → 0.064 / 0.0423, × Van Gogh 0.093 / 0.0434 → 0.044 / 0.0247). At 0.8 the cost
#: stayed 1.1–10× higher than at 0.5 on the same six pairs; the painted face does not come back
#: at 0.5, since the target still leaves it out (:data:`PAINTING_RELIEF`).
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


def merge_face_regions(masks: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """{eyes, brows, lips, nose, skin, hair_body, background} → {face, hair_body, background}."""
    from facestyle.faces.masks import FACE_REGIONS

    face = sum(masks[name] for name in FACE_REGIONS)
    return {"face": face, "hair_body": masks["hair_body"], "background": masks["background"]}


@dataclass(frozen=True)
class FaceGuide:
    """Face analyses of the photo and the painting, decided once per run."""

    content: object  # FaceAnalysis; typed loosely so this module imports without mediapipe
    style: object | None
    notes: tuple[str, ...] = ()

    @property
    def has_faces(self) -> bool:
        return bool(self.content.faces)

    @property
    def style_is_portrait(self) -> bool:
        return self.style is not None and bool(self.style.faces)


def analyse_pair(content: Image.Image, style: Image.Image | None) -> FaceGuide:
    """Analyse the photo and, when given, the painting (faces, landmarks, person masks), and note
    what will happen. The painting's faces decide whether it is a portrait (``region_style="matched"``
    matches its regions; ``"off"`` relieves the photo's face at :data:`DEEP_RELIEF`)."""
    from facestyle.faces.analysis import NO_FACE_NOTICE, analyse

    content_analysis = analyse(content)
    if not content_analysis.faces:
        return FaceGuide(content_analysis, None, (NO_FACE_NOTICE,))
    return FaceGuide(content_analysis, analyse(style) if style is not None else None)


def region_weights(protect: float) -> dict[str, float]:
    """Style weight per region (fine and merged) for face protection ``protect`` (1 everywhere at 0)."""
    from facestyle.faces.masks import REGIONS

    return {name: 1.0 - STYLE_RELIEF.get(name, 0.0) * protect for name in (*REGIONS, "face")}


def guided_style_loss(
    layer: str,
    style_features: torch.Tensor,
    generated_shape: tuple[int, int],
    content_masks: dict[str, torch.Tensor],
    style_masks: dict[str, torch.Tensor] | None,
    weights: dict[str, float],
) -> RegionStyleLoss:
    """A :class:`RegionStyleLoss` for one layer.

    Args:
        style_features: the painting's activations (1, C, h_s, w_s) at ``layer``.
        generated_shape: (h, w) of the photo's activations at ``layer``.
        content_masks: region masks of the photo at full resolution (resized here by area).
        style_masks: region masks of the painting, or None (not a portrait, or ``region_style`` shared).
        weights: style weight per region.

    Each region's weight is also multiplied by its share of the image, so with one region the loss is
    the report's J_style^[ℓ] and small regions do not outweigh the background.
    """
    from facestyle.faces.masks import resize_masks

    if layer not in FEATURE_LAYERS or not style_masks:
        content_masks = merge_face_regions(content_masks)
        style_masks = merge_face_regions(style_masks) if style_masks else None
    masks = resize_masks(content_masks, generated_shape)
    device = style_features.device
    whole = masked_gram_per_position(style_features, torch.ones(style_features.shape[-2:], device=device))[0]
    small_style = resize_masks(style_masks, style_features.shape[-2:]) if style_masks else {}
    targets, kept_masks, kept_weights = [], [], []
    positions = generated_shape[0] * generated_shape[1]
    for name, mask in masks.items():
        share = float(mask.sum()) / positions
        if share < MIN_REGION_SHARE or weights.get(name, 1.0) <= 0:
            continue
        style_mask = small_style.get(name)
        if style_mask is not None and float(style_mask.sum()) >= MIN_STYLE_POSITIONS:
            target = masked_gram_per_position(style_features, style_mask.to(device))[0]
        else:
            target = whole
        targets.append(target)
        kept_masks.append(mask.to(device))
        kept_weights.append(share * weights.get(name, 1.0))
    return RegionStyleLoss(
        layer,
        torch.stack(targets),
        torch.stack(kept_masks),
        torch.tensor(kept_weights, device=device, dtype=style_features.dtype),
    )


def deep_relief_masks(
    guide: FaceGuide, photo_size: tuple[int, int], painting_size: tuple[int, int]
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The photo's and the painting's face masks (H, W) for :data:`DEEP_RELIEF`, at these sizes.

    None when the painting is not a portrait, or when a face fills so much of either picture that
    less than :data:`MIN_KEPT_SHARE` would be left to match (a close-up: then plain style it is).
    """
    if not (guide.has_faces and guide.style_is_portrait):
        return None
    from facestyle.faces.masks import region_masks

    def face_of(analysis: object, size: tuple[int, int]) -> torch.Tensor:
        return merge_face_regions(region_masks(analysis, size))["face"].clamp(0, 1)

    photo_face, painted_face = face_of(guide.content, photo_size), face_of(guide.style, painting_size)
    if min(1 - float(photo_face.mean()), 1 - float(painted_face.mean())) < MIN_KEPT_SHARE:
        return None
    return photo_face, painted_face


def painting_target(layer: str, features: torch.Tensor, painted_face: torch.Tensor | None) -> torch.Tensor:
    """The per-position Gram target (1, C, C) of a painting's activations (1, C, h, w) at ``layer``.

    With ``painted_face`` (the painting's face mask at any size of its aspect ratio) the face's
    positions are weighted ``1 − PAINTING_RELIEF[layer]``, so the target asks for no face.
    """
    if painted_face is None:
        return StyleLoss.from_features(layer, features).target
    from facestyle.faces.masks import resize_masks

    mask = resize_masks({"face": painted_face}, tuple(features.shape[-2:]))["face"].to(features.device)
    return masked_gram_per_position(features, 1.0 - PAINTING_RELIEF[layer] * mask)


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
    from facestyle.faces.masks import resize_masks

    face = resize_masks({"face": photo_face}, shape)["face"].to(target.device)
    weight = 1.0 - DEEP_RELIEF[layer] * protect * face.clamp(0, 1)
    return RegionStyleLoss(layer, target, weight[None], torch.ones(1, device=target.device, dtype=target.dtype))


def protected_content_losses(
    content_features: dict[str, torch.Tensor],
    content_layer: str,
    feature_mask: torch.Tensor,
    protect: float,
) -> list[WeightedContentLoss]:
    """Content terms with face protection: a raised weight map at the content layer, plus a detail
    term at :data:`DETAIL_LAYER` that only looks at the face features."""
    from facestyle.faces.masks import resize_masks

    losses = []
    target = content_features[content_layer]
    small = resize_masks({"f": feature_mask}, target.shape[-2:])["f"].to(target.device)
    weight_map = (1.0 + PROTECT_CONTENT_GAIN * protect * small)[None, None]
    losses.append(WeightedContentLoss(content_layer, target, weight_map))
    if protect > 0 and DETAIL_LAYER in content_features:
        detail = content_features[DETAIL_LAYER]
        small = resize_masks({"f": feature_mask}, detail.shape[-2:])["f"].to(detail.device)
        losses.append(WeightedContentLoss(DETAIL_LAYER, detail, (DETAIL_GAIN * protect * small)[None, None]))
    return losses
