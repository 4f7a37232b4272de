"""The one Gaussian blur facestyle uses on masks and luminance planes."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


#: Up to this kernel half-width a blur is a sum of shifted planes: torch's grouped 1-D convolutions
#: take 5–10 times longer for kernels this short on a CPU (a 5-tap blur of a 512 px plane: 0.4 ms
#: against 5 ms).
SHIFTED_SUM_RADIUS = 32


def gaussian_blur(planes: torch.Tensor, sigma: float, *, max_radius: int | None = None) -> torch.Tensor:
    """Separable Gaussian blur of (C, H, W) planes over ±3σ, replicating the edges, so a partition of
    masks still sums to one; planes come back unchanged below σ = 0.3 px.

    ``max_radius`` caps the kernel's half-width (e.g. to a small window's size).
    """
    if sigma < 0.3:
        return planes
    radius = max(1, math.ceil(3 * sigma))
    if max_radius is not None:
        radius = max(1, min(radius, max_radius))
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-0.5 * (offsets / sigma) ** 2)
    kernel = kernel / kernel.sum()
    if radius <= SHIFTED_SUM_RADIUS:
        rows = _shifted_sum(F.pad(planes[None], (radius, radius, 0, 0), mode="replicate")[0], kernel, -1)
        return _shifted_sum(F.pad(rows[None], (0, 0, radius, radius), mode="replicate")[0], kernel, -2)
    channels = planes.shape[0]
    x = F.pad(planes[None], (radius, radius, 0, 0), mode="replicate")
    x = F.conv2d(x, kernel.view(1, 1, 1, -1).expand(channels, 1, 1, -1).contiguous(), groups=channels)
    x = F.pad(x, (0, 0, radius, radius), mode="replicate")
    x = F.conv2d(x, kernel.view(1, 1, -1, 1).expand(channels, 1, -1, 1).contiguous(), groups=channels)
    return x[0]


def _shifted_sum(padded: torch.Tensor, kernel: torch.Tensor, dim: int) -> torch.Tensor:
    """The 1-D convolution along ``dim`` of a plane padded by the kernel's radius on both sides."""
    length = padded.shape[dim] - kernel.numel() + 1
    out = padded.narrow(dim, 0, length) * float(kernel[0])
    for tap in range(1, kernel.numel()):
        out.add_(padded.narrow(dim, tap, length), alpha=float(kernel[tap]))
    return out
