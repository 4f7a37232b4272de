"""Coarse-to-fine schedules: which sizes to solve at, and how many steps each gets.

Solving first at a small size is cheap (a 128 px pass costs 1/16 of a 512 px one) and fixes the
large-scale layout; each finer scale starts from the upsampled previous result and only has to
add detail. The schedule is plain data so it can be tested and shown on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

from facestyle.settings import Settings


@dataclass(frozen=True)
class Scale:
    """One level of the schedule: the long side in pixels and the optimisation steps spent there."""

    size: int
    steps: int


def scale_sizes(size: int, scales: int, min_size: int = 128) -> list[int]:
    """Long sides from coarse to fine, ending at ``size``, growing by at most ×2 per scale.

    >>> scale_sizes(512, 3)
    [128, 256, 512]
    >>> scale_sizes(1024, 3)
    [256, 512, 1024]
    >>> scale_sizes(100, 3)
    [100]
    """
    if scales <= 1 or size <= min_size:
        return [size]
    ratio = min(2.0, (size / min_size) ** (1.0 / (scales - 1)))
    sizes = [round(size / ratio**k) for k in reversed(range(scales))]
    return sorted(set(sizes))


def split_steps(total: int, levels: int) -> list[int]:
    """Share ``total`` steps over ``levels`` scales, halving from each scale to the next finer one.

    Coarse steps are 4× cheaper per halving of the size, so they get more of them. Every level
    gets at least one step when ``total`` allows.

    >>> split_steps(200, 3)
    [114, 57, 29]
    """
    if levels == 1:
        return [total]
    weights = [2.0 ** (levels - 1 - level) for level in range(levels)]
    shares = [total * weight / sum(weights) for weight in weights]
    steps = [int(share) for share in shares]
    # Hand the remainder to the finest levels first: they matter most for the final image.
    for level in sorted(range(levels), key=lambda i: shares[i] - steps[i], reverse=True)[: total - sum(steps)]:
        steps[level] += 1
    if total >= levels:
        for level in range(levels):
            if steps[level] == 0:
                donor = max(range(levels), key=lambda i: steps[i])
                steps[donor] -= 1
                steps[level] += 1
    return steps


def make_schedule(size: int, steps: int, scales: int, min_size: int = 128) -> list[Scale]:
    """The full schedule: sizes from :func:`scale_sizes` with steps from :func:`split_steps`."""
    sizes = scale_sizes(size, scales, min_size)
    return [Scale(s, n) for s, n in zip(sizes, split_steps(steps, len(sizes)))]


def style_side(settings: Settings, size: int) -> int:
    """Long side of the style image when the output's long side is ``size`` (one scale of the schedule).

    ``(style_size or size)·style_scale``, shrunk with the schedule, and never under 16 pixels.
    """
    return max(round((settings.style_size or settings.size) * settings.style_scale * size / settings.size), 16)


def upscale_result(image: torch.Tensor, coarse_content: torch.Tensor, content: torch.Tensor, mode: str) -> torch.Tensor:
    """The start of the next scale from the coarser scale's result ``image`` (1, 3, h, w).

    ``image``: bicubic upsampling of G. It is blurred, and the content cost of a blurred photo is
    high, so the finer scale first spends steps putting back detail the photo already had.
    ``residual``: upsample only G − C (what the optimisation painted) and add it to the finer
    photo ``content`` (1, 3, H, W), whose own detail is then there from the first step.
    """
    size = content.shape[-2:]
    if mode == "image":
        return F.interpolate(image, size=size, mode="bicubic", align_corners=False)
    painted = F.interpolate(image - coarse_content, size=size, mode="bicubic", align_corners=False)
    return (content + painted).clamp(0, 1)
