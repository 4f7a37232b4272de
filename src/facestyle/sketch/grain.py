"""The drawing's own paper: its grain and specks laid over the paper of the output.

A drawing's paper is not flat. Leonardo's red chalk sheet is foxed with specks, an etching's plate
tone and a pencil sheet's tooth show wherever the pigment leaves paper bare, and the eye reads them
as the medium as much as the strokes. A drawing made here fades its background to paper, which
would otherwise be one flat colour, unlike the exemplar's at every VGG layer (BENCHMARKS.md#sketch).

The grain is the exemplar's luminance less its local paper level, taken only where the exemplar is
bare paper, at the exemplar's size for the output (its marks in proportion, as a style image is).
It is laid over the output by overlap-add of random square patches of it (flipped at random) with
raised-cosine windows normalised by their root sum of squares, so overlapping patches keep the
grain's contrast instead of averaging it away. Where pigment covers the paper the grain fades with
the tone, and it never touches the face's eyes, brows and lips.
"""

from __future__ import annotations

import numpy as np
import torch

from facestyle.image.filters import gaussian_blur

#: Side of the patches the grain is assembled from, as a fraction of the exemplar's long side.
PATCH_FRACTION = 0.08
#: The smallest patch side in pixels (a smaller exemplar gives patches this size).
MIN_PATCH = 16
#: Bare paper: the exemplar's tone smoothed coarsely, and finely, within these fractions of its
#: range (5th to 95th percentile) below the lightest.
PAPER_MARGIN = (0.2, 0.3)
#: …and lighter than this in the sheet's scale (0 pigment, 1 paper): a sheet hatched all over has none.
LIGHTER_THAN = 0.5
#: The share of a patch that must be bare paper (a speck or a stray stroke may fall in it).
PATCH_PAPER = 0.9
#: Local paper level: a blur this fraction of the exemplar's long side wide.
LEVEL_SIGMA_FRACTION = 0.01
#: Output tones below this carry no grain (the pigment covers the paper); above it, grain grows
#: linearly to full at paper white.
COVERED_TONE = 0.5


def paper_grain(exemplar_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exemplar's grain (H, W) (luminance less its local paper level) and where it is bare paper.

    ``exemplar_y`` is the exemplar's normalised luminance (1 paper, 0 pigment) at the size it is
    seen at for the output.
    """
    plane = torch.from_numpy(np.ascontiguousarray(exemplar_y, dtype=np.float32))[None]
    sigma = max(exemplar_y.shape) * LEVEL_SIGMA_FRACTION
    level = gaussian_blur(plane, max(sigma, 1.0))[0]
    # Bare paper: light at a coarser scale too, so a stroke's light gaps do not count.
    coarse = gaussian_blur(plane, max(4 * sigma, 2.0))[0]
    grain = (plane[0] - level).numpy()
    level_np, coarse_np = level.numpy(), coarse.numpy()
    # Levels relative to the sheet's own range: a tinted or stained sheet's paper lies well below the
    # brightest tenth that the sheet's paper colour is taken from.
    top, bottom = np.percentile(coarse_np, 95), np.percentile(coarse_np, 5)
    span = max(float(top - bottom), 1e-3)
    light = (coarse_np >= top - PAPER_MARGIN[0] * span) & (level_np >= top - PAPER_MARGIN[1] * span)
    light &= coarse_np >= LIGHTER_THAN
    paper = light.astype(np.float32)
    return grain, paper


def patch_corners(paper: np.ndarray, side: int) -> list[tuple[int, int]]:
    """Top-left corners of the ``side``-pixel squares lying on bare paper (a grid, half-overlapping)."""
    height, width = paper.shape
    step = max(side // 2, 1)
    # A summed-area table answers "how much paper?" for every square in one pass.
    table = np.pad(paper.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    corners = []
    for top in range(0, height - side + 1, step):
        for left in range(0, width - side + 1, step):
            bottom, right = top + side, left + side
            total = table[bottom, right] - table[top, right] - table[bottom, left] + table[top, left]
            if total >= PATCH_PAPER * side * side:
                corners.append((top, left))
    return corners


def grain_field(exemplar_y: np.ndarray, shape: tuple[int, int], seed: int = 0) -> np.ndarray | None:
    """A grain image of ``shape`` (H, W) made of the exemplar's paper, or None when it shows none.

    ``exemplar_y``: the exemplar's normalised luminance at the size it is seen at for the output.
    """
    grain, paper = paper_grain(exemplar_y)
    side = max(MIN_PATCH, round(max(exemplar_y.shape) * PATCH_FRACTION)) & ~1
    corners = patch_corners(paper, side)
    if not corners:
        return None
    # The quieter half of the patches: a stray stroke or an inscription on the paper is grain no more.
    spreads = [float(grain[row : row + side, column : column + side].std()) for row, column in corners]
    corners = [corner for corner, spread in zip(corners, spreads) if spread <= np.median(spreads)]
    rng = np.random.default_rng(seed)
    height, width = shape
    step = side // 2
    window_1d = np.sin(np.pi * (np.arange(side) + 0.5) / side)
    window = np.outer(window_1d, window_1d).astype(np.float32)
    total = np.zeros((height + 2 * side, width + 2 * side), dtype=np.float32)
    energy = np.zeros_like(total)
    for top in range(-step, height, step):
        for left in range(-step, width, step):
            row, column = corners[rng.integers(len(corners))]
            patch = grain[row : row + side, column : column + side]
            if rng.random() < 0.5:
                patch = patch[:, ::-1]
            if rng.random() < 0.5:
                patch = patch[::-1]
            y0, x0 = top + step, left + step
            total[y0 : y0 + side, x0 : x0 + side] += window * patch
            energy[y0 : y0 + side, x0 : x0 + side] += window**2
    field = total / np.sqrt(np.maximum(energy, 1e-6))
    return field[step : step + height, step : step + width].astype(np.float32)


def lay_grain(y: np.ndarray, field: np.ndarray | None, keep_clean: np.ndarray | None = None) -> np.ndarray:
    """The drawing ``y`` (normalised luminance) with the paper ``field`` over its light tones.

    ``keep_clean`` (H, W) in [0, 1] is where no grain goes (the face's features).
    """
    if field is None:
        return y
    showing = np.clip((y - COVERED_TONE) / (1.0 - COVERED_TONE), 0.0, 1.0)
    if keep_clean is not None:
        showing = showing * (1.0 - np.clip(keep_clean, 0.0, 1.0))
    return np.clip(y + field * showing, 0.0, 1.0).astype(np.float32)
