"""The criterion of a texture scale: shallow style layers, anchored to the coarser scale's result.

Above ``composition_size`` the picture's layout is already painted; a texture scale only has to
give the larger canvas the painting's brush marks at their proportional size. Its J is
``β·Σ λ^[ℓ]·J_style^[ℓ]`` over the shallow layers of :data:`TEXTURE_LAYERS` (the deep ones would
re-plan the composition, and cost most of a VGG pass at this size), plus an anchor
``‖area_downscale(G) − G_coarse‖²`` that holds what the coarser scale painted, so only detail
finer than its pixels is free. Face protection keeps its detail term over the face features (at
relu3_1, or the deepest layer the scale reads).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from facestyle.costs.guidance import DETAIL_GAIN, DETAIL_LAYER
from facestyle.costs.losses import WeightedContentLoss
from facestyle.costs.objective import Objective, encode_paintings, plain_style_terms
from facestyle.faces.guide import FaceMasks
from facestyle.faces.masks import resize_masks
from facestyle.features.vgg import VGG19Features
from facestyle.settings import LayerWeights, Settings

#: The layers a texture scale matches: brush marks and grain, not shapes.
TEXTURE_LAYERS = ("relu1_1", "relu2_1", "relu3_1")
#: Texture scales this many octaves above the composition size or fewer match all of
#: :data:`TEXTURE_LAYERS`; higher ones only the layers before relu3_1, whose pass there costs half
#: (BENCHMARKS.md#print-size-portraits).
DEEP_TEXTURE_OCTAVES = 1
#: Weight of the anchor, a mean squared pixel difference, against β·J_style
#: (BENCHMARKS.md#print-size-portraits).
ANCHOR_WEIGHT = 100.0


class CoarseAnchor(nn.Module):
    """Mean squared difference between G averaged down to the coarser result's size and that result."""

    def __init__(self, coarse: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("target", coarse.detach(), persistent=False)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        seen = F.interpolate(image, size=self.target.shape[-2:], mode="area")
        return (seen - self.target).pow(2).mean()


def texture_layers(octave: int) -> tuple[str, ...]:
    """The layers a texture scale ``octave`` octaves above the composition size may match."""
    return TEXTURE_LAYERS if octave <= DEEP_TEXTURE_OCTAVES else TEXTURE_LAYERS[:-1]


def texture_style_layers(settings: Settings, octave: int = 1) -> LayerWeights:
    """The run's active style layers that a texture scale ``octave`` keeps (may be empty)."""
    kept = texture_layers(octave)
    return tuple((name, weight) for name, weight in settings.active_style_layers() if name in kept)


@torch.no_grad()
def build_texture_objective(
    encoder: VGG19Features,
    content: torch.Tensor,
    styles: list[torch.Tensor],
    coarse: torch.Tensor,
    settings: Settings,
    *,
    masks: FaceMasks | None = None,
    octave: int = 1,
) -> Objective:
    """J of the texture scale ``octave`` for the photo ``content`` (1, 3, H, W) and the coarser result ``coarse``.

    The paintings are encoded at their size for this scale, so the Gram targets hold their marks at
    the output's proportion; one Gram over the whole image, as at the composition scales.
    """
    layers = texture_style_layers(settings, octave)
    detail_layer = DETAIL_LAYER if DETAIL_LAYER in texture_layers(octave) else texture_layers(octave)[-1]
    names = [name for name, _ in layers]
    paintings = encode_paintings(encoder, styles, settings, names)
    style_losses = plain_style_terms(paintings, names) if paintings else []
    content_losses: list[nn.Module] = []
    protect = settings.face_protect if masks is not None else 0.0
    if protect > 0 and settings.alpha:
        detail = encoder(content, [detail_layer])[detail_layer]
        small = resize_masks({"f": masks.features}, detail.shape[-2:])["f"].to(detail.device)
        content_losses.append(WeightedContentLoss(detail_layer, detail, (DETAIL_GAIN * protect * small)[None, None]))
    return Objective(
        encoder,
        content_losses,
        style_losses,
        [weight for _, weight in layers] if paintings else [],
        alpha=settings.alpha,
        beta=settings.style_weight,
        tv_weight=settings.tv_weight,
        anchor=CoarseAnchor(coarse),
        anchor_weight=ANCHOR_WEIGHT,
    )
