"""The criterion J(G): the encoder run once per evaluation, feeding content, style and TV terms.

:func:`build_objective` computes the targets from the content and style images once;
:class:`Objective` then maps an image G to a dict of named costs, so logs and plots can show
every term (``content``, ``style``, ``style.relu3_1``, ``tv``, ``total``).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from facestyle.costs.guidance import (
    DEEP_RELIEF,
    DETAIL_LAYER,
    FaceGuide,
    deep_relief_masks,
    guided_style_loss,
    painting_target,
    protected_content_losses,
    region_weights,
    relieved_style_loss,
)
from facestyle.costs.losses import ContentLoss, StyleLoss, total_variation
from facestyle.errors import OptionError
from facestyle.features.vgg import VGG19Features
from facestyle.settings import Settings


class Objective(nn.Module):
    """J = α·J_content + β·Σ_ℓ λ^[ℓ]·J_style^[ℓ] + tv_weight·TV, evaluated on images (B, 3, H, W)."""

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
    ) -> None:
        super().__init__()
        self.encoder = encoder
        self.content_losses = nn.ModuleList(content_losses)
        self.style_losses = nn.ModuleList(style_losses)
        self.style_weights = list(style_weights)
        self.alpha = alpha
        self.beta = beta
        self.tv_weight = tv_weight
        self.layers = sorted({loss.layer for loss in [*content_losses, *style_losses]})

    def forward(self, image: torch.Tensor) -> dict[str, torch.Tensor]:
        features = self.encoder(image, self.layers)
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
        if self.tv_weight:
            costs["tv"] = tv = total_variation(image)
            total = total + self.tv_weight * tv
        costs["total"] = total
        return costs


@torch.no_grad()
def build_objective(
    encoder: VGG19Features,
    content: torch.Tensor,
    styles: list[torch.Tensor],
    settings: Settings,
    *,
    style_blend: list[float] | None = None,
    guide: FaceGuide | None = None,
) -> Objective:
    """Compute targets from ``content`` (1, 3, H, W) and ``styles`` and return the criterion.

    Several style images give one blended Gram target per layer, weighted by ``style_blend``
    (normalised to sum 1; equal weights when None). The style term's weight is
    ``settings.style_weight`` (β·strength). With a ``guide`` whose photo has a face (and
    ``settings.face_aware``), the face features are protected and, unless ``settings.region_style``
    is ``off``, style is matched per region (:mod:`facestyle.costs.guidance`); with ``off`` and a
    portrait painting the face is relieved at the deepest style layer instead.

    Raises:
        OptionError: ``style_blend`` does not have one weight per style image.
    """
    style_layers = settings.active_style_layers()
    content_layer = settings.content_layer
    guided = guide is not None and guide.has_faces and settings.face_aware
    protect = settings.face_protect if guided else 0.0
    wanted = [content_layer, *([DETAIL_LAYER] if protect > 0 else []), *(name for name, _ in style_layers)]
    content_features = encoder(content, wanted)
    blend = blend_weights(style_blend, len(styles))
    # A style with weight 0 is not even encoded, so a blend of 1,0 is exactly the first style alone.
    used = [(weight, style) for weight, style in zip(blend, styles) if weight] if settings.style_weight else []
    per_style = [(weight, style, encoder(style, [name for name, _ in style_layers])) for weight, style in used]

    size = tuple(content.shape[-2:])
    if guided and settings.alpha:
        assert guide is not None
        from facestyle.faces.masks import feature_mask

        mask = feature_mask(guide.content, size)
        content_losses = protected_content_losses(content_features, content_layer, mask, protect)
    elif settings.alpha:
        content_losses = [ContentLoss(content_layer, content_features[content_layer])]
    else:
        content_losses = []
    style_losses = []
    if guided and settings.region_style != "off":
        assert guide is not None
        from facestyle.faces.masks import region_masks

        content_masks = region_masks(guide.content, size)
        matched = guide.style_is_portrait and settings.region_style == "matched"
        weights = region_weights(protect)
        for name, _ in style_layers if per_style else []:
            per_style_losses = [
                (
                    weight,
                    guided_style_loss(
                        name,
                        features[name],
                        tuple(content_features[name].shape[-2:]),
                        content_masks,
                        region_masks(guide.style, tuple(style.shape[-2:])) if matched else None,
                        weights,
                    ),
                )
                for weight, style, features in per_style
            ]
            first = per_style_losses[0][1]
            first.targets = sum(weight * loss.targets for weight, loss in per_style_losses)
            style_losses.append(first)
    else:
        # A portrait painting: at relu5_1 its face is left out and the photo's halved (guidance.DEEP_RELIEF).
        relief = None
        # guide.style is the first painting's analysis: no relief when a blend weight of 0 left it out.
        if guided and protect > 0 and per_style and per_style[0][1] is styles[0]:
            assert guide is not None
            relief = deep_relief_masks(guide, size, tuple(per_style[0][1].shape[-2:]))
        for name, _ in style_layers if per_style else []:
            relieved = relief is not None and name in DEEP_RELIEF
            targets = [
                (weight, painting_target(name, features[name], relief[1] if relieved and number == 0 else None))
                for number, (weight, _, features) in enumerate(per_style)
            ]
            target = sum(weight * target for weight, target in targets)
            if relieved:
                assert relief is not None
                style_losses.append(
                    relieved_style_loss(name, target, relief[0], tuple(content_features[name].shape[-2:]), protect)
                )
            else:
                style_losses.append(StyleLoss(name, target))
    weights_per_layer = [weight for _, weight in style_layers] if per_style else []
    return Objective(
        encoder,
        content_losses,
        style_losses,
        weights_per_layer,
        alpha=settings.alpha,
        beta=settings.style_weight,
        tv_weight=settings.tv_weight,
    )


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
