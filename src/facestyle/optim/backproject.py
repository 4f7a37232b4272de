"""Holding the composition's band: a print whose reduced copy is the composition's result.

A texture scale is there to add brush marks finer than the composition's pixels. Left free, its
optimisation also drifts in the band the composition scale painted, and the print reduced to
the composition size read as a weaker painting than the composition's own result
(BENCHMARKS.md#print-size-portraits). With D the Lanczos reduction a viewer or a benchmark
shrinks the print with, a texture scale evaluates J at the projection
``P(X) = X + D⁺(G_composition − D(X))`` of its pixels onto ``{G : D(G) = G_composition}``, so
every step goes into the finer band, and its result is projected again after clipping to [0, 1].
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from PIL import Image

#: Projections after a texture scale; each undoes most of what clipping to [0, 1] moved.
ROUNDS = 3


def lanczos_matrix(size_in: int, size_out: int) -> torch.Tensor:
    """The (size_out, size_in) matrix of Pillow's Lanczos resize along one axis.

    Read off Pillow itself (the rows of an identity image resized), so D is exactly the reduction
    that :func:`facestyle.image.io.resize_to` applies.
    """
    identity = Image.fromarray(np.eye(size_in, dtype=np.float32))
    resized = identity.resize((size_out, size_in), Image.Resampling.LANCZOS)
    return torch.from_numpy(np.array(resized, dtype=np.float32)).T.contiguous()


class CompositionHold:
    """The projection onto the images (1, 3, H, W) whose reduction is ``composition`` (1, 3, h, w)."""

    def __init__(self, composition: torch.Tensor, shape: torch.Size | tuple[int, ...]) -> None:
        height, width = shape[-2:]
        self.composition = composition.detach()
        self.rows = lanczos_matrix(height, composition.shape[-2]).to(composition)
        self.columns = lanczos_matrix(width, composition.shape[-1]).to(composition)
        self.lift_rows = torch.linalg.pinv(self.rows)
        self.lift_columns = torch.linalg.pinv(self.columns)

    def _lift(self, small: torch.Tensor) -> torch.Tensor:
        return self.lift_rows @ small @ self.lift_columns.T

    def reduce(self, image: torch.Tensor) -> torch.Tensor:
        """D(image): the Lanczos reduction to the composition's size."""
        return self.rows @ image @ self.columns.T

    @torch.no_grad()
    def project(self, image: torch.Tensor) -> torch.Tensor:
        """P(image): the nearest image (least squares) whose reduction is the composition."""
        return image + self._lift(self.composition - self.reduce(image))

    @torch.no_grad()
    def finer(self, change: torch.Tensor) -> torch.Tensor:
        """The part of ``change`` that the reduction does not see (P's Jacobian, applied)."""
        return change - self._lift(self.reduce(change))

    def hold(self, image: torch.Tensor, rounds: int = ROUNDS) -> torch.Tensor:
        """``image`` projected and clipped to [0, 1], ``rounds`` times."""
        for _ in range(rounds):
            image = self.project(image).clamp(0, 1)
        return image


class HeldObjective:
    """A texture scale's J evaluated at P(pixels); the gradient left in ``pixels.grad`` is
    ∂J/∂pixels through P, so the optimiser's steps change only the finer band."""

    def __init__(self, criterion: Any, hold: CompositionHold) -> None:
        self.criterion, self.hold = criterion, hold

    def evaluate(self, pixels: torch.Tensor) -> dict[str, torch.Tensor]:
        held = self.hold.project(pixels.detach()).requires_grad_(True)
        costs = self.criterion.evaluate(held)
        assert held.grad is not None
        gradient = self.hold.finer(held.grad)
        pixels.grad = gradient if pixels.grad is None else pixels.grad + gradient
        return costs


def hold_composition(image: torch.Tensor, composition: torch.Tensor, rounds: int = ROUNDS) -> torch.Tensor:
    """``image`` (1, 3, H, W) corrected so its Lanczos reduction to the size of ``composition``
    (1, 3, h, w) is ``composition``; values stay in [0, 1]."""
    return CompositionHold(composition, image.shape).hold(image, rounds)
