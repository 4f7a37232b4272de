"""Tone: the photo's luminance given the drawing's histogram, and paper where the drawing has paper.

A drawing's tones are not a photo's: most of the sheet is bare paper, the mid-tones are hatched
and only the deepest shadows are dark. Lu, Xu & Jia (2012) model that as a mixture of a bright
(paper) peak, a flat band of mid-tones and a dark bump; :func:`tone_model` fits the mixture's
weights to the drawing so each medium keeps its own balance, and :func:`match_histogram` gives the
photo that histogram.
"""

from __future__ import annotations

import numpy as np
import torch

from facestyle.image.filters import gaussian_blur

BINS = 256
_LEVELS = (np.arange(BINS) + 0.5) / BINS


def histogram(values: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """The normalised 256-bin histogram of values in [0, 1]."""
    counts, _ = np.histogram(np.clip(values, 0, 1), bins=BINS, range=(0.0, 1.0), weights=weights)
    return counts / max(float(counts.sum()), 1e-12)


def match_histogram(values: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``values`` (any shape, [0, 1]) remapped so their histogram is ``target`` (256 bins).

    Equal values keep one level (the middle of their ranks), so a flat area stays flat.
    """
    levels, inverse, counts = np.unique(np.round(values.ravel(), 4), return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    quantiles = (ends - counts / 2) / ends[-1]
    cdf = np.cumsum(target)
    cdf = cdf / cdf[-1]
    mapped = np.interp(quantiles, np.concatenate([[0.0], cdf]), np.linspace(0.0, 1.0, BINS + 1))
    return mapped[inverse].reshape(values.shape).astype(np.float32)


def lighten(target: np.ndarray, amount: float) -> np.ndarray:
    """The histogram ``target`` with every level moved ``amount`` of the way to paper (1)."""
    return histogram(_LEVELS + (1.0 - _LEVELS) * amount, weights=target)


def match_inside(values: np.ndarray, mask: np.ndarray, target: np.ndarray) -> np.ndarray:
    """All of ``values`` remapped by the one curve that gives the pixels where ``mask`` > 0.5 the histogram
    ``target``: a face drawn over its own range of tones, whatever the rest of the picture holds."""
    inside = np.unique(np.round(values[mask > 0.5], 4))
    if inside.size < 2:
        return match_histogram(values, target)
    counts = np.histogram(values[mask > 0.5], bins=np.append(inside - 5e-5, inside[-1] + 5e-5))[0]
    ends = np.cumsum(counts)
    quantiles = (ends - counts / 2) / ends[-1]
    cdf = np.cumsum(target) / max(float(np.sum(target)), 1e-12)
    mapped = np.interp(quantiles, np.concatenate([[0.0], cdf]), np.linspace(0.0, 1.0, BINS + 1))
    return np.interp(values, inside, mapped).astype(np.float32)


def tone_model(drawing_y: np.ndarray) -> np.ndarray:
    """Lu et al.'s paper / mid-tone / dark mixture with its weights fitted to the drawing's histogram.

    The components sit at the drawing's own levels: the paper peak at its 97th percentile, the dark
    bump at its 3rd, the mid band between. Returns the model's 256-bin histogram.
    """
    paper = float(np.percentile(drawing_y, 97))
    dark = float(np.percentile(drawing_y, 3))
    spread = max(paper - dark, 0.05)
    sigma_paper = 0.04 * spread + 0.01
    bright = np.where(_LEVELS <= paper, np.exp(-(paper - _LEVELS) / sigma_paper), np.exp(-(_LEVELS - paper) / 0.01))
    low, high = dark + 0.25 * spread, paper - 0.05 * spread
    mid = ((_LEVELS >= low) & (_LEVELS <= high)).astype(np.float64)
    dark_bump = np.exp(-0.5 * ((_LEVELS - (dark + 0.12 * spread)) / (0.1 * spread)) ** 2)
    basis = np.stack([component / component.sum() for component in (bright, mid, dark_bump)], axis=1)
    weights, *_ = np.linalg.lstsq(basis, histogram(drawing_y), rcond=None)
    weights = np.clip(weights, 0.02, None)
    model = basis @ (weights / weights.sum())
    return model / model.sum()


def paper_and_pigment(drawing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The drawing's paper colour (its brightest tenth) and pigment colour (its darkest twentieth), RGB."""
    y = drawing @ np.array([0.299, 0.587, 0.114])
    bright = y >= np.percentile(y, 90)
    dark = y <= np.percentile(y, 5)
    return drawing[bright].mean(axis=0), drawing[dark].mean(axis=0)


def colourise(y: np.ndarray, paper: np.ndarray, pigment: np.ndarray) -> np.ndarray:
    """Luminance (H, W) in [0, 1] → RGB (H, W, 3): 1 is the paper, 0 the pigment at its fullest."""
    y = np.clip(y, 0.0, 1.0)[..., None]
    return pigment[None, None, :] + (paper - pigment)[None, None, :] * y


def paper_weight(person: np.ndarray, face: np.ndarray, y: np.ndarray, *, flat_fade: float = 0.5) -> np.ndarray:
    """How much of each pixel fades to paper (H, W) in [0, 1].

    The background (outside the person segmentation) fades fully, softened so the figure's edge
    is a drawn edge, not a cut-out; large flat areas of the figure fade by up to ``flat_fade``, but
    never the face, whose tones carry the likeness.
    """
    height, width = y.shape
    sigma = max(height, width) / 120
    person_soft = gaussian_blur(torch.from_numpy(person.astype(np.float32))[None], sigma)[0].numpy()
    plane = torch.from_numpy(y.astype(np.float32))[None]
    local_sigma = max(height, width) / 60
    mean = gaussian_blur(plane, local_sigma)
    deviation = gaussian_blur((plane - mean) ** 2, local_sigma).clamp_min(0).sqrt()[0].numpy()
    flat = np.clip(1.0 - deviation / 0.04, 0.0, 1.0) * flat_fade
    face_soft = gaussian_blur(torch.from_numpy(face.astype(np.float32))[None], sigma * 2)[0].numpy()
    figure_fade = flat * (1.0 - np.clip(face_soft * 2, 0, 1))
    return np.clip((1.0 - person_soft) + person_soft * figure_fade, 0.0, 1.0)


def fade_to_paper(y: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Move luminance towards white by ``weight``."""
    return y + (1.0 - y) * weight
