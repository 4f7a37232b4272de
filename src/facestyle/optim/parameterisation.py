"""How the optimised image is represented: plain pixels, or a Laplacian-style pyramid.

In pixel space every pixel is a free variable and the low frequencies (the large shapes and colour
fields) are badly conditioned: a gradient step moves them by as little as it moves one pixel. Writing
the image as a sum of upsampled levels, ``G = Σ_k up(g_k · L_k)`` with gains g_k = 2^k, lets one
quasi-Newton step move a whole region at once, a preconditioner that costs a few small upsamplings.
It helps a single small scale, but in the coarse-to-fine default it ends at a far higher J than
pixels, so it is an option (``pyramid_levels``), off by default (BENCHMARKS.md#tried-and-not-adopted).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F


class PixelImage:
    """The image itself is the variable (the report's choice; Adam clips it to [0, 1])."""

    #: The box the optimiser keeps the variable in: the displayable range, so what is optimised is
    #: what is saved.
    bounds: tuple[float, float] | None = (0.0, 1.0)

    def __init__(self, image: torch.Tensor) -> None:
        self.variable = image.detach().clone().contiguous().requires_grad_(True)

    def image(self) -> torch.Tensor:
        return self.variable


class PyramidImage:
    """G = Σ_k up(2^k · L_k): level 0 at full size holds the start image, coarser levels start at 0.

    All levels live in one flat tensor (``variable``), so an optimiser sees a single vector.
    Its entries are not pixels, so it has no box (the image is clipped to [0, 1] afterwards).
    """

    bounds: tuple[float, float] | None = None

    def __init__(self, image: torch.Tensor, levels: int = 4) -> None:
        self.shape = image.shape
        height, width = image.shape[-2:]
        self.sizes = [(max(1, -(-height // 2**k)), max(1, -(-width // 2**k))) for k in range(levels)]
        self.numels = [image.shape[0] * image.shape[1] * h * w for h, w in self.sizes]
        flat = torch.zeros(sum(self.numels), dtype=image.dtype, device=image.device)
        flat[: self.numels[0]] = image.detach().reshape(-1)
        self.variable = flat.requires_grad_(True)

    def image(self) -> torch.Tensor:
        batch, channels, height, width = self.shape
        offset = 0
        total = None
        for level, ((h, w), count) in enumerate(zip(self.sizes, self.numels)):
            part = self.variable[offset : offset + count].view(batch, channels, h, w) * (2.0**level)
            offset += count
            if level:
                part = F.interpolate(part, size=(height, width), mode="bilinear", align_corners=False)
            total = part if total is None else total + part
        assert total is not None
        return total


def parameterise(image: torch.Tensor, *, optimizer: str, pyramid_levels: int) -> PixelImage | PyramidImage:
    """The representation for ``optimizer``: a pyramid for L-BFGS when levels > 1, else pixels.

    Adam stays in pixel space, as the report ran it (its per-pixel clipping needs pixels).
    """
    if optimizer == "lbfgs" and pyramid_levels > 1:
        return PyramidImage(image, pyramid_levels)
    return PixelImage(image)
