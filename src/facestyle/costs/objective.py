"""The criterion J(G): the encoder run once per evaluation, feeding content, style and TV terms.

:func:`build_objective` computes the targets from the content and style images once, from small
builders (content terms, plain style terms, relieved style terms, region style terms);
:class:`Objective` then maps an image G to a dict of named costs, so logs and plots can show every
term (``content``, ``style``, ``style.relu3_1``, ``tv``, ``total``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch import nn

from facestyle.costs.guidance import (
    DEEP_RELIEF,
    DETAIL_LAYER,
    FEATURE_LAYERS,
    painting_target,
    protected_content_terms,
    region_layout,
    region_targets,
    region_weights,
    relief_applies,
    relieved_style_loss,
)
from facestyle.costs.losses import (
    ContentLoss,
    RegionStyleLoss,
    StyleLoss,
    total_variation,
)
from facestyle.errors import OptionError
from facestyle.faces.guide import FaceMasks
from facestyle.features.vgg import VGG19Features
from facestyle.settings import Settings


class Objective(nn.Module):
    """J = α·J_content + β·Σ_ℓ λ^[ℓ]·J_style^[ℓ] + tv_weight·TV, evaluated on images (B, 3, H, W).

    ``anchor``: a term on the image itself (a texture scale's hold on the coarser result,
    :mod:`facestyle.costs.texture`), added as ``anchor_weight·anchor(G)``.
    """

    def __init__(
        self,
        encoder: VGG19Features,
        content_losses: list[nn.Module],
        style_losses: list[nn.Module],
        style_weights: list[float],
        *,
        alpha: float,
        beta: float,
        tv_weight: float = 0.0,
        extra_terms: Sequence[tuple[str, nn.Module, float]] = (),
        anchor: nn.Module | None = None,
        anchor_weight: float = 0.0,
    ) -> None:
        super().__init__()
        self.anchor = anchor
        self.anchor_weight = anchor_weight
        self.encoder = encoder
        self.content_losses = nn.ModuleList(content_losses)
        self.style_losses = nn.ModuleList(style_losses)
        self.style_weights = list(style_weights)
        self.alpha = alpha
        self.beta = beta
        self.tv_weight = tv_weight
        # (name, term, weight): further terms on the same features, e.g. the sketch's patch loss.
        self.extra_names = [name for name, _, _ in extra_terms]
        self.extra_losses = nn.ModuleList([term for _, term, _ in extra_terms])
        self.extra_weights = [weight for _, _, weight in extra_terms]
        self.layers = sorted({loss.layer for loss in [*content_losses, *style_losses, *self.extra_losses]})

    def evaluate(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        """J and its terms at ``image``, with ∂J/∂image accumulated into ``image.grad``."""
        costs = self(image)
        costs["total"].backward()
        return {name: value.detach() for name, value in costs.items()}

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        features = self.encoder(image, self.layers) if self.layers else {}
        costs: dict[str, torch.Tensor] = {}
        content = image.new_zeros(())
        for loss in self.content_losses:
            costs[f"content.{loss.layer}"] = value = loss(features)
            content = content + value
        style = image.new_zeros(())
        for loss, weight in zip(self.style_losses, self.style_weights):
            costs[f"style.{loss.layer}"] = value = loss(features)
            style = style + weight * value
        total = self.alpha * content + self.beta * style
        costs["content"] = content
        costs["style"] = style
        for name, loss, weight in zip(self.extra_names, self.extra_losses, self.extra_weights):
            costs[f"{name}.{loss.layer}"] = value = loss(features)
            costs[name] = costs.get(name, image.new_zeros(())) + value
            total = total + weight * value
        if self.anchor is not None:
            costs["anchor"] = anchor = self.anchor(image)
            total = total + self.anchor_weight * anchor
        if self.tv_weight:
            costs["tv"] = tv = total_variation(image)
            total = total + self.tv_weight * tv
        costs["total"] = total
        return costs


@dataclass(frozen=True)
class Painting:
    """One style image's part in the target: its blend weight, its index among the style images,
    and its activations at the style layers."""

    weight: float
    index: int
    features: dict[str, torch.Tensor]


@torch.no_grad()
def build_objective(
    encoder: VGG19Features,
    content: torch.Tensor,
    styles: list[torch.Tensor],
    settings: Settings,
    *,
    masks: FaceMasks | None = None,
    extra_terms: Sequence[tuple[str, nn.Module, float]] = (),
) -> Objective:
    """Compute targets from ``content`` (1, 3, H, W) and ``styles`` and return the criterion.

    Several style images give one blended Gram target per layer, weighted by ``settings.style_blend``
    (normalised to sum 1; equal weights when None). The style term's weight is
    ``settings.style_weight`` (β·strength). With ``masks`` (the face stage's output for this scale;
    None when there is no face or ``face_aware`` is off) the face features are protected, and style
    is matched per region unless ``settings.region_style`` is ``off``; with ``off`` and a portrait
    painting the faces are relieved at the deepest style layer instead (:mod:`facestyle.costs.guidance`).

    Raises:
        OptionError: ``style_blend`` does not have one weight per style image.
    """
    style_layers = settings.active_style_layers()
    layer_names = [name for name, _ in style_layers]
    protect = settings.face_protect if masks is not None else 0.0
    content_layers = [settings.content_layer, *([DETAIL_LAYER] if protect > 0 else [])]
    content_features = encoder(content, [*content_layers, *layer_names])
    paintings = encode_paintings(encoder, styles, settings, layer_names)
    shapes = {name: tuple(content_features[name].shape[-2:]) for name in layer_names}
    if not paintings:
        style_losses: list[nn.Module] = []
    elif masks is not None and settings.region_style != "off":
        style_losses = region_style_terms(paintings, layer_names, shapes, masks, settings, protect)
    elif masks is not None and protect > 0 and paintings[0].index == 0 and relief_applies(masks):
        # The relief needs the analysed (first) painting; a blend weight of 0 leaves it out.
        style_losses = relieved_style_terms(paintings, layer_names, shapes, masks, protect)
    else:
        style_losses = plain_style_terms(paintings, layer_names)
    return Objective(
        encoder,
        content_terms(content_features, settings, masks, protect),
        style_losses,
        [weight for _, weight in style_layers] if paintings else [],
        alpha=settings.alpha,
        beta=settings.style_weight,
        tv_weight=settings.tv_weight,
        extra_terms=extra_terms,
    )


def encode_paintings(
    encoder: VGG19Features, styles: list[torch.Tensor], settings: Settings, layers: list[str]
) -> list[Painting]:
    """The style images that count, encoded at ``layers``. A style with blend weight 0 is not even
    encoded, so a blend of 1,0 is exactly the first style alone; none at all when β·strength is 0."""
    if not settings.style_weight:
        return []
    blend = blend_weights(settings.style_blend, len(styles))
    return [
        Painting(weight, index, encoder(style, layers))
        for index, (weight, style) in enumerate(zip(blend, styles))
        if weight
    ]


def content_terms(
    content_features: dict[str, torch.Tensor], settings: Settings, masks: FaceMasks | None, protect: float
) -> list[nn.Module]:
    """The report's J_content at the content layer, or its face-protected form; none when α is 0."""
    if not settings.alpha:
        return []
    if masks is not None:
        return list(protected_content_terms(content_features, settings.content_layer, masks.features, protect))
    return [ContentLoss(settings.content_layer, content_features[settings.content_layer])]


def plain_style_terms(paintings: list[Painting], layers: list[str]) -> list[nn.Module]:
    """The report's J_style^[ℓ] per layer against the blended Gram targets."""
    return [
        StyleLoss(name, sum(p.weight * painting_target(name, p.features[name], None) for p in paintings))
        for name in layers
    ]


def relieved_style_terms(
    paintings: list[Painting], layers: list[str], shapes: dict[str, tuple[int, int]], masks: FaceMasks,
    protect: float,
) -> list[nn.Module]:
    """Plain style terms, except at :data:`DEEP_RELIEF` layers: there the first painting's face
    leaves the target and the photo's face counts less (a portrait painting, ``region_style`` off)."""
    terms: list[nn.Module] = []
    for name in layers:
        if name not in DEEP_RELIEF:
            terms.extend(plain_style_terms(paintings, [name]))
            continue
        target = sum(
            p.weight * painting_target(name, p.features[name], masks.painted_face if p.index == 0 else None)
            for p in paintings
        )
        terms.append(relieved_style_loss(name, target, masks.photo_face, shapes[name], protect))
    return terms


def region_style_terms(
    paintings: list[Painting], layers: list[str], shapes: dict[str, tuple[int, int]], masks: FaceMasks,
    settings: Settings, protect: float,
) -> list[nn.Module]:
    """Region-aware style terms (``region_style`` shared or matched): per layer, each region of the
    photo matches the blended statistics of its region in the paintings, or of the whole painting."""
    matched = settings.region_style == "matched" and masks.painting_regions is not None
    weights = region_weights(protect)
    terms: list[nn.Module] = []
    for name in layers:
        per_feature = matched and name in FEATURE_LAYERS
        layout = region_layout(name, shapes[name], masks, weights, per_feature=per_feature)
        painting_regions = masks.painting_regions if matched else None
        targets = sum(
            p.weight * region_targets(p.features[name], layout.names, painting_regions if p.index == 0 else None,
                                      per_feature=per_feature)
            for p in paintings
        )
        device = targets.device
        terms.append(RegionStyleLoss(name, targets, layout.masks.to(device), layout.weights.to(device, targets.dtype)))
    return terms


def blend_weights(style_blend: Sequence[float] | None, count: int) -> list[float]:
    """One weight per style image, summing to 1: ``style_blend`` normalised, or equal weights.

    Raises:
        OptionError: the number of weights differs from ``count``.
    """
    if style_blend is None:
        return [1.0 / count] * count
    if len(style_blend) != count:
        images = "image" if count == 1 else "images"
        raise OptionError(
            f"style blend has {len(style_blend)} weights for {count} style {images}; give one weight per style"
        )
    total = float(sum(style_blend))
    if total <= 0:
        raise OptionError("style blend weights add up to zero; give at least one style a positive weight")
    return [float(weight) / total for weight in style_blend]
