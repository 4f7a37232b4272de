"""Whether an output size suits the photo and the machine, decided before any work starts.

A size far above the photo's own resolution paints detail the photo never had; a size whose
optimisation needs more memory than the machine has would end, minutes in, killed by the system.
Both are refused with the size that will work; an enlargement or a run that needs most of the
memory still free is allowed, with a warning.
"""

from __future__ import annotations

import os
from pathlib import Path

from facestyle.costs.tiled import HALO
from facestyle.errors import OptionError
from facestyle.optim.schedule import run_schedule
from facestyle.settings import ONE_PASS_METHODS, Settings

#: The largest output long side, as a multiple of the photo's long side.
MAX_ENLARGEMENT = 2.0
#: Above this multiple the enlargement is said: a print that large shows the photo's softness.
SOFT_ENLARGEMENT = 1.5
#: Peak memory of a gatys run: a base (Python, torch, the VGG and face models) plus bytes per pixel
#: of its largest scale: a full VGG pass at a composition scale, a pass to relu3_1 at a texture
#: scale, or a tile's pass plus the whole image's optimiser state when the scale is tiled
#: (BENCHMARKS.md#print-size-portraits).
BASE_BYTES = 1.2e9
COMPOSITION_BYTES_PER_PIXEL = 3300.0
TEXTURE_BYTES_PER_PIXEL = 2600.0
TILED_IMAGE_BYTES_PER_PIXEL = 250.0
#: Share of the machine's memory a run may plan to use.
USABLE_SHARE = 0.9


def estimated_peak_bytes(settings: Settings, aspect: float) -> float:
    """Peak RSS of a gatys run with ``settings`` on a photo of ``aspect`` (short side / long side)."""
    peak = 0.0
    for scale in run_schedule(settings):
        pixels = scale.size * scale.size * aspect
        if not scale.texture:
            need = COMPOSITION_BYTES_PER_PIXEL * pixels
        elif 0 < settings.tile < scale.size:
            tile = min(pixels, (settings.tile + 2 * HALO) ** 2)
            need = TILED_IMAGE_BYTES_PER_PIXEL * pixels + TEXTURE_BYTES_PER_PIXEL * tile
        else:
            need = TEXTURE_BYTES_PER_PIXEL * pixels
        peak = max(peak, need)
    return BASE_BYTES + peak


def machine_memory() -> tuple[float, float]:
    """(total, available) bytes of memory, from /proc/meminfo or, elsewhere, sysconf (both total)."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines() if ":" in line)
        total = float(fields["MemTotal"].split()[0]) * 1024
        return total, float(fields.get("MemAvailable", fields["MemTotal"]).split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        total = float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        return total, total


def largest_fitting_size(settings: Settings, aspect: float, budget: float) -> int:
    """The largest long side (a multiple of 64 px, at least 64) whose run fits in ``budget`` bytes."""
    size = settings.size - settings.size % 64
    while size > 64 and estimated_peak_bytes(settings.replace(size=size), aspect) > budget:
        size -= 64
    return max(size, 64)


def largest_size(settings: Settings, photo_size: tuple[int, int], *, device: str = "cpu") -> int:
    """The largest long side up to ``settings.size`` that :func:`check_size` accepts for a photo of
    ``photo_size`` (width, height): what to offer where a size is chosen from a button, not typed."""
    size = min(settings.size, int(MAX_ENLARGEMENT * max(photo_size)))
    if settings.method in ONE_PASS_METHODS or device.startswith("cuda"):
        return size
    aspect = min(photo_size) / max(photo_size)
    budget = USABLE_SHARE * machine_memory()[0]
    if estimated_peak_bytes(settings.replace(size=size), aspect) <= budget:
        return size
    return largest_fitting_size(settings.replace(size=size), aspect, budget)


def check_size(settings: Settings, photo_size: tuple[int, int], *, device: str = "cpu") -> list[str]:
    """Refuse a size the photo or the machine cannot give; return warnings for sizes that are risky.

    Raises:
        OptionError: the size is above :data:`MAX_ENLARGEMENT` × the photo's long side, or a gatys
            run at it would need more than the machine's memory; the message names a size that works.
    """
    long_side, short_side = max(photo_size), min(photo_size)
    warnings: list[str] = []
    if settings.size > MAX_ENLARGEMENT * long_side:
        raise OptionError(
            f"size {settings.size} is more than {MAX_ENLARGEMENT:g}× the photo's {long_side} px long side; "
            f"use --size {int(MAX_ENLARGEMENT * long_side)} or less"
        )
    if settings.size > SOFT_ENLARGEMENT * long_side:
        warnings.append(
            f"size {settings.size} enlarges the {long_side} px photo, so fine detail will be soft; "
            f"{long_side} px keeps it sharp"
        )
    if settings.method in ONE_PASS_METHODS or device.startswith("cuda"):
        return warnings
    aspect = short_side / long_side
    need = estimated_peak_bytes(settings, aspect)
    total, available = machine_memory()
    if need > USABLE_SHARE * total:
        fits = largest_fitting_size(settings, aspect, USABLE_SHARE * total)
        raise OptionError(
            f"size {settings.size} needs about {need / 1e9:.1f} GB of memory and this machine has "
            f"{total / 1e9:.1f} GB; use --size {fits} or less"
        )
    if need > available:
        fits = largest_fitting_size(settings, aspect, available)
        warnings.append(
            f"size {settings.size} needs about {need / 1e9:.1f} GB of memory and {available / 1e9:.1f} GB is free "
            f"now; close other programs, or use --size {fits}"
        )
    return warnings
