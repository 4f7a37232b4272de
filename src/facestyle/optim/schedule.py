"""Coarse-to-fine schedules: which sizes to solve at, and how many steps each gets.

Solving first at a small size is cheap (a 128 px pass costs 1/16 of a 512 px one) and fixes the
large-scale layout; each finer scale starts from the upsampled previous result and only has to
add detail. The schedule is plain data so it can be tested and shown on its own.

A print-size output (long side above ``composition_size``) is painted as the
``composition_size`` run would be, then refined by *texture* scales that double up to the output
size and see only the shallow VGG layers: the deep layers that set the composition are done at the
small scales, and a VGG pass that stops at relu3_1 is what keeps 2048 px within minutes and a few
gigabytes (BENCHMARKS.md#print-size-portraits).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

from facestyle.costs.texture import texture_style_layers
from facestyle.features.vgg import LAYER_NAMES, pass_cost
from facestyle.settings import Settings


@dataclass(frozen=True)
class Scale:
    """One level of the schedule: the long side in pixels and the optimisation steps spent there."""

    size: int
    steps: int
    #: 0 for a composition scale; k for the texture scale k octaves above the composition size,
    #: which refines brush texture only (shallow layers, anchored to the coarser result).
    texture: int = 0


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


def run_schedule(settings: Settings) -> list[Scale]:
    """The coarse-to-fine schedule of a gatys run with ``settings``, texture scales included."""
    return make_schedule(
        settings.size, settings.steps, settings.scales, settings.min_size,
        composition_size=settings.composition_size, texture_steps=settings.texture_steps,
    )


def scale_costs(settings: Settings, schedule: list[Scale]) -> list[float]:
    """The VGG pass each scale's steps run (multiply-adds per pixel), for estimating time and memory."""
    def deepest(scale: Scale) -> str:
        if not scale.texture:
            return settings.deepest_layer()
        return max([name for name, _ in texture_style_layers(settings, scale.texture)] or ["relu1_1"],
                   key=LAYER_NAMES.index)

    return [pass_cost(deepest(scale)) for scale in schedule]


def texture_sizes(size: int, composition_size: int) -> list[int]:
    """Long sides of the texture scales above ``composition_size``, doubling up to ``size``.

    >>> texture_sizes(2048, 512)
    [1024, 2048]
    >>> texture_sizes(1536, 512)
    [1024, 1536]
    >>> texture_sizes(512, 512)
    []
    """
    sizes: list[int] = []
    current = composition_size
    while current < size:
        current = min(current * 2, size)
        sizes.append(current)
    return sizes


def make_schedule(
    size: int,
    steps: int,
    scales: int,
    min_size: int = 128,
    *,
    composition_size: int | None = None,
    texture_steps: int = 0,
) -> list[Scale]:
    """The full schedule: sizes from :func:`scale_sizes` with steps from :func:`split_steps`, up to
    ``composition_size`` (None: all the way to ``size``), then ``texture_steps`` on each texture scale.

    >>> [(s.size, s.steps, s.texture) for s in make_schedule(2048, 200, 3, composition_size=512, texture_steps=30)]
    [(128, 114, 0), (256, 57, 0), (512, 29, 0), (1024, 30, 1), (2048, 30, 2)]
    """
    top = size if composition_size is None else min(size, composition_size)
    sizes = scale_sizes(top, scales, min_size)
    schedule = [Scale(s, n) for s, n in zip(sizes, split_steps(steps, len(sizes)))]
    return schedule + [Scale(s, texture_steps, texture=k) for k, s in enumerate(texture_sizes(size, top), 1)]


def settled(totals: list[float], window: int, tolerance: float) -> bool:
    """The convergence rule: J fell by less than ``tolerance`` (relative) over the last ``window`` steps.

    >>> settled([10.0, 9.0, 8.99, 8.985], 2, 0.01)
    True
    >>> settled([10.0, 9.0, 8.0], 2, 0.01)
    False
    """
    if tolerance <= 0 or len(totals) <= window:
        return False
    before, now = totals[-window - 1], totals[-1]
    return before - now < tolerance * abs(before)


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


class ScheduleClock:
    """How long a run has left: seconds per unit of work measured on the scale being painted, times
    the work its remaining steps and scales hold. A step's work is its pixels times the VGG pass
    it needs (``costs[level]``, multiply-adds per pixel), so a 2048 px texture step is not counted
    as a 128 px one. Before the first timed step there is no estimate."""

    def __init__(self, schedule: list[Scale], costs: list[float]) -> None:
        self.work = [scale.size**2 * cost for scale, cost in zip(schedule, costs)]
        self.steps = [scale.steps for scale in schedule]
        self.rate: float | None = None

    def eta(self, level: int, done: int, seconds: float) -> float | None:
        """Seconds left after ``done`` steps of scale ``level`` took ``seconds``; None until timed."""
        if done > 0 and seconds > 0:
            self.rate = seconds / (done * self.work[level])
        if self.rate is None:
            return None
        left = (self.steps[level] - done) * self.work[level]
        left += sum(steps * work for steps, work in zip(self.steps[level + 1 :], self.work[level + 1 :]))
        return max(left, 0.0) * self.rate
