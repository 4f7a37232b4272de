"""G at step 0: where the optimisation starts (the photo, noise, both, or the AdaIN result)."""

from __future__ import annotations

import torch
from PIL import Image

from facestyle.errors import OptionError
from facestyle.fast.adain import paint_adain
from facestyle.image.io import to_pil
from facestyle.settings import Settings


def initial_image(
    content: torch.Tensor,
    settings: Settings,
    generator: torch.Generator,
    *,
    style_image: Image.Image | list[Image.Image] | None = None,
    device: torch.device | None = None,
) -> torch.Tensor:
    """G at step 0: the photo, uniform noise, the photo plus U(−noise, noise) clipped to [0, 1],
    or the AdaIN result (a warm start that already carries the style's colours and textures).

    ``content+noise`` is what the report's course code did (noise ±0.25 on a [0, 1] image).
    """
    if settings.init == "content":
        return content.detach().clone()
    if settings.init == "adain":
        if style_image is None:
            raise OptionError("init 'adain' needs the style image")
        content_image = to_pil(content)
        styles = style_image if isinstance(style_image, list) else [style_image]
        return paint_adain(content_image, styles, settings, max(content_image.size), device or content.device)
    noise = torch.rand(content.shape, generator=generator).to(content.device)
    if settings.init == "noise":
        return noise
    return (content + (noise * 2 - 1) * settings.noise).clamp(0, 1)
