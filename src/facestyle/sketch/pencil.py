"""The fast path: a classical pencil rendering in a fraction of a second (Lu, Xu & Jia 2012).

Three maps multiply into the drawing: a stroke map (lines along the edges, from directional line
kernels on the gradient), a tone map (the photo's luminance given the drawing's histogram) and a
texture that renders the tone with hatching. The hatching is made here from noise smeared along the
hatching direction, so nothing of a third-party scan is copied, and that direction turns along the
photo's form (the level lines of its tone) wherever the form has one.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F

from facestyle.image.filters import gaussian_blur
from facestyle.sketch.exemplars import Medium

DIRECTIONS = 8
#: How much of the face's skin is smooth tone rather than hatching, and of its eyes, brows and lips.
SKIN_SMOOTH = 0.8
FEATURE_SMOOTH = 0.5
#: How much fainter the photo's edges are drawn on the skin than elsewhere.
SKIN_STROKES = 0.6
#: The form's direction for the hatching: the photo smoothed over this fraction of the long side
#: before its gradient is taken, and the gradient's structure tensor over this wider one, so the
#: strokes follow a cheek or a sleeve rather than each hair.
FORM_GRADIENT_SIGMA = 0.004
FORM_SIGMA = 0.03
#: Conjugate-gradient iterations for the texture exponent: the system is well conditioned by λ.
_CG_STEPS = 30


def line_kernels(length: int, width: int, directions: int = DIRECTIONS) -> torch.Tensor:
    """(directions, 1, k, k) unit-sum line segments through the centre at angles i·π/directions."""
    size = length | 1
    centre = size // 2
    coords = torch.arange(size, dtype=torch.float32) - centre
    y, x = torch.meshgrid(coords, coords, indexing="ij")
    kernels = []
    for index in range(directions):
        angle = math.pi * index / directions
        distance = (x * math.sin(angle) - y * math.cos(angle)).abs()
        along = (x * math.cos(angle) + y * math.sin(angle)).abs()
        kernel = ((distance <= width / 2 + 0.5) & (along <= centre)).float() * (1.0 - distance.clamp(max=1) * 0.5)
        kernels.append(kernel / kernel.sum())
    return torch.stack(kernels)[:, None]


def stroke_map(y: torch.Tensor, medium: Medium) -> torch.Tensor:
    """Lu et al.'s stroke map of luminance (H, W): 1 on paper, darker along the edges.

    Each gradient pixel votes for the line direction that responds most; the votes are then drawn
    with that direction's kernel, so strokes follow the form and cross at corners as a hand's do.
    """
    height, width = y.shape
    scale = max(height, width) / 512
    plane = y[None, None]
    dx = F.pad(plane[..., :, 1:] - plane[..., :, :-1], (0, 1, 0, 0))
    dy = F.pad(plane[..., 1:, :] - plane[..., :-1, :], (0, 0, 0, 1))
    gradient = (dx.pow(2) + dy.pow(2)).sqrt()
    length = max(3, round(max(height, width) * medium.line_length))
    kernels = line_kernels(length, max(1, round(medium.line_width * scale)))
    pad = kernels.shape[-1] // 2
    responses = F.conv2d(F.pad(gradient, (pad,) * 4, mode="replicate"), kernels)
    winner = responses.argmax(dim=1, keepdim=True)
    votes = torch.zeros_like(responses).scatter_(1, winner, gradient)
    lines = F.conv2d(F.pad(votes, (pad,) * 4), kernels.transpose(0, 1))[0, 0]  # each vote drawn by its kernel
    scale_to = torch.quantile(lines.flatten()[:: max(1, lines.numel() // 65536)], 0.995).clamp_min(1e-6)
    return (1.0 - medium.line_strength * lines / scale_to).clamp(0.0, 1.0)


def form_directions(structure: torch.Tensor, medium: Medium) -> torch.Tensor:
    """The first hatching direction at each pixel (H, W), in radians: along the form where it has one.

    The form's direction is that of the isophotes (level lines) of the photo's structure, from its
    structure tensor smoothed over :data:`FORM_SIGMA` of the long side, so strokes run round a cheek,
    down a sleeve or along a fold, as a hand hatches. Where the structure has no one direction (flat
    paper, a busy pattern) the medium's own angle takes over, weighted by the tensor's coherence;
    the two are blended as doubled-angle vectors, since a hatching direction has no sign.
    """
    height, width = structure.shape
    side = max(height, width)
    plane = gaussian_blur(structure[None], FORM_GRADIENT_SIGMA * side)
    dx = F.pad(plane[..., :, 2:] - plane[..., :, :-2], (1, 1), mode="replicate") / 2
    dy = F.pad((plane[..., 2:, :] - plane[..., :-2, :])[None], (0, 0, 1, 1), mode="replicate")[0] / 2
    tensor = gaussian_blur(torch.cat([dx * dx, dx * dy, dy * dy]), FORM_SIGMA * side)
    jxx, jxy, jyy = tensor[0], tensor[1], tensor[2]
    # The gradient's doubled angle is that of (jxx − jyy, 2·jxy); the isophote's is opposite.
    along_x, along_y = jyy - jxx, -2 * jxy
    strength = (along_x.pow(2) + along_y.pow(2)).sqrt()
    coherence = strength / (jxx + jyy).clamp_min(1e-12)
    weight = (coherence * medium.follow_form).clamp(0, 1)
    default = math.radians(2 * medium.hatch_angles[0])
    mixed_x = weight * along_x / strength.clamp_min(1e-12) + (1 - weight) * math.cos(default)
    mixed_y = weight * along_y / strength.clamp_min(1e-12) + (1 - weight) * math.sin(default)
    return 0.5 * torch.atan2(mixed_y, mixed_x)


def hatching(
    height: int, width: int, medium: Medium, seed: int = 0, directions: torch.Tensor | None = None
) -> torch.Tensor:
    """A procedural hatching texture (H, W) in (0, 1): noise smeared into streaks along the medium's
    hatching angles, over the paper's grain; its mean tone is about 0.7, as a pencil tone sample's.

    ``directions`` (H, W, radians) turns the first hatching angle at each pixel (the others keep their
    angle to it, so cross-hatching still crosses); without it every streak runs at the medium's angles.
    """
    generator = torch.Generator().manual_seed(seed)
    scale = max(height, width) / 512
    texture = torch.zeros(height, width)
    for angle in medium.hatch_angles:
        noise = torch.rand(1, 1, height, width, generator=generator)
        length = max(3, round(max(height, width) * medium.hatch_length))
        if directions is not None:
            turn = math.radians(angle - medium.hatch_angles[0])
            streaks = _streaks_along(noise, directions + turn, length)
        else:
            kernel = _line_at(length, angle)
            pad = kernel.shape[-1] // 2
            streaks = F.conv2d(F.pad(noise, (pad,) * 4, mode="reflect"), kernel)[0, 0]
        streaks = (streaks - streaks.mean()) / streaks.std().clamp_min(1e-6)
        texture = texture + streaks
    texture = texture / math.sqrt(len(medium.hatch_angles))
    if medium.crisp > 0:
        texture = torch.lerp(texture, torch.tanh(texture * 3.0) * 1.5, medium.crisp)
    grain = torch.rand(1, height, width, generator=generator)
    grain = gaussian_blur(grain, medium.grain * scale)[0]
    grain = (grain - grain.mean()) / grain.std().clamp_min(1e-6)
    return (0.72 + 0.12 * texture + 0.05 * grain).clamp(0.05, 0.98)


def _streaks_along(noise: torch.Tensor, directions: torch.Tensor, length: int) -> torch.Tensor:
    """``noise`` (1, 1, H, W) averaged along a segment of ``length`` pixels through each pixel, turned
    to that pixel's direction (H, W, radians): the line kernel of :func:`_line_at`, per pixel."""
    height, width = directions.shape
    rows = torch.arange(height, dtype=torch.float32)[:, None].expand(height, width)
    columns = torch.arange(width, dtype=torch.float32)[None, :].expand(height, width)
    step_x, step_y = directions.cos(), directions.sin()
    # Samples 1.5 px apart: the noise is interpolated bilinearly, so denser samples add nothing.
    offsets = torch.arange(-(length // 2), length // 2 + 1e-6, 1.5)
    total = torch.zeros(height, width)
    for offset in offsets.tolist():
        x = (columns + offset * step_x) / max(width - 1, 1) * 2 - 1
        y = (rows + offset * step_y) / max(height - 1, 1) * 2 - 1
        grid = torch.stack([x, y], dim=-1)[None]
        total += F.grid_sample(noise, grid, mode="bilinear", padding_mode="reflection", align_corners=True)[0, 0]
    return total / len(offsets)


def _line_at(length: int, degrees: float) -> torch.Tensor:
    """(1, 1, k, k) unit-sum line kernel at ``degrees``."""
    size = length | 1
    coords = torch.arange(size, dtype=torch.float32) - size // 2
    y, x = torch.meshgrid(coords, coords, indexing="ij")
    angle = math.radians(degrees)
    distance = (x * math.sin(angle) - y * math.cos(angle)).abs()
    kernel = (1.0 - distance).clamp(min=0) * ((x * math.cos(angle) + y * math.sin(angle)).abs() <= size // 2)
    return (kernel / kernel.sum())[None, None]


def texture_exponent(tone: torch.Tensor, texture: torch.Tensor, smoothness: float) -> torch.Tensor:
    """β minimising λ‖∇β‖² + ‖β·ln H − ln J‖² (Lu et al., eq. 9), so H^β has the tone J, by conjugate
    gradients on the normal equations (ln H² + λ·Δ) β = ln H · ln J."""
    log_h = texture.clamp_min(1e-3).log()
    log_j = tone.clamp(1e-3, 1.0).log()
    diagonal = log_h.pow(2)

    def apply(beta: torch.Tensor) -> torch.Tensor:
        padded = F.pad(beta[None, None], (1, 1, 1, 1), mode="replicate")[0, 0]
        laplace = 4 * beta - padded[:-2, 1:-1] - padded[2:, 1:-1] - padded[1:-1, :-2] - padded[1:-1, 2:]
        return diagonal * beta + smoothness * laplace

    rhs = log_h * log_j
    beta = log_j / log_h.mean()
    residual = rhs - apply(beta)
    direction = residual.clone()
    energy = residual.pow(2).sum()
    for _ in range(_CG_STEPS):
        applied = apply(direction)
        step = energy / (direction * applied).sum().clamp_min(1e-12)
        beta = beta + step * direction
        residual = residual - step * applied
        new_energy = residual.pow(2).sum()
        direction = residual + (new_energy / energy.clamp_min(1e-20)) * direction
        energy = new_energy
    return beta.clamp_min(0.0)


@torch.no_grad()
def pencil_drawing(
    tone: np.ndarray,
    structure: np.ndarray,
    medium: Medium,
    seed: int = 0,
    *,
    face: np.ndarray | None = None,
    features: np.ndarray | None = None,
) -> np.ndarray:
    """The fast drawing's luminance (H, W) in [0, 1]: stroke map × texture rendering of ``tone``.

    Args:
        tone: the target tone (H, W) in [0, 1], already in the drawing's histogram and faded to paper.
        structure: the photo's luminance (H, W), whose edges become the strokes.
        medium: the medium's stroke and hatching shape.
        seed: the hatching's noise.
        face: (H, W) the face, where the hatching is mostly blended into smooth tone and the strokes
            faint on the skin: coarse hatching over an eye or a lip would hide the person.
        features: (H, W) eyes, brows, lips and outline, drawn again with short, fine strokes.
    """
    height, width = tone.shape
    tone_t = _tensor(tone)
    structure_t = _tensor(structure)
    strokes = stroke_map(structure_t, medium)
    detail = _tensor(features).clamp(0, 1) if features is not None else torch.zeros_like(tone_t)
    skin = (_tensor(face).clamp(0, 1) - detail).clamp_min(0) if face is not None else torch.zeros_like(tone_t)
    # Wrinkles, stubble and pores make long strokes all over a face; on skin they are drawn faintly.
    strokes = torch.lerp(strokes, torch.ones_like(strokes), skin * SKIN_STROKES)
    if features is not None:
        fine = replace(medium, line_length=medium.line_length / 3, line_width=1, line_strength=1.2)
        strokes = torch.minimum(strokes, torch.lerp(torch.ones_like(detail), stroke_map(structure_t, fine), detail))
    texture = hatching(height, width, medium, seed, form_directions(structure_t, medium))
    beta = texture_exponent(tone_t, texture, medium.texture_weight)
    rendered = texture.pow(beta)
    if face is not None:
        smooth = torch.maximum(skin * SKIN_SMOOTH, _tensor(face).clamp(0, 1) * FEATURE_SMOOTH)
        rendered = torch.lerp(rendered, tone_t, smooth)
    return (strokes * rendered).clamp(0.0, 1.0).numpy()


def _tensor(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
