"""The criterion J(G): the encoder run once per evaluation, feeding content, style and TV terms.

:func:`build_objective` computes the targets from the content and style images once;
:class:`Objective` then maps an image G to a dict of named costs, so logs and plots can show
every term (``content``, ``style``, ``style.relu3_1``, ``tv``, ``total``).
"""

from __future__ import annotations

import torch
from torch import nn

from .losses import ContentLoss, StyleLoss, total_variation
from .settings import Settings
from .vgg import VGG19Features


class Objective(nn.Module):
    """J = α·J_content + β·Σ_ℓ λ^[ℓ]·J_style^[ℓ] + tv_weight·TV, evaluated on images (B, 3, H, W)."""

    def __init__(
        self,
        encoder: VGG19Features,
        content_losses: list[ContentLoss],
        style_losses: list[StyleLoss],
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
) -> Objective:
    """Compute targets from ``content`` (1, 3, H, W) and ``styles`` and return the criterion.

    Several style images give one blended Gram target per layer, weighted by ``style_blend``.
    """
    style_layers = settings.active_style_layers()
    content_layer = settings.content_layer
    content_features = encoder(content, [content_layer])
    content_losses = [ContentLoss(content_layer, content_features[content_layer])] if settings.alpha else []
    blend = style_blend or [1.0 / len(styles)] * len(styles)
    style_losses = []
    if settings.beta:
        per_style = [encoder(style, [name for name, _ in style_layers]) for style in styles]
        for name, _ in style_layers:
            targets = [StyleLoss.from_features(name, features[name]).target for features in per_style]
            blended = sum(weight * target for weight, target in zip(blend, targets))
            style_losses.append(StyleLoss(name, blended))
    weights = [weight for _, weight in style_layers] if settings.beta else []
    return Objective(
        encoder,
        content_losses,
        style_losses,
        weights,
        alpha=settings.alpha,
        beta=settings.beta,
        tv_weight=settings.tv_weight,
    )
