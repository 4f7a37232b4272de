"""Optimising the pixels of G: Adam as in the report, and an L-BFGS that wastes no evaluations.

One *step* is one iteration whichever optimiser runs, so budgets, progress bars and ETAs mean the
same for both. Why a custom L-BFGS: ``torch.optim.LBFGS`` called with ``max_iter=1`` per step (the
only way to see every iteration) re-evaluates the objective at the start of each call, although
its line search has just evaluated that very point — two VGG passes per iteration instead of about
one. This implementation keeps the last value and gradient, uses the standard two-loop recursion
with the Barzilai–Borwein scaling, and a backtracking Armijo line search that in practice accepts
the unit step, so an iteration costs about one forward and backward pass.

The pixels are kept in [0, 1] while optimising (``bounds``), as Adam's clipping does for the report's
recipe: an unconstrained L-BFGS lowers J with pixels outside the displayable range, which the saved
image then clips, so the saved result's J is well above the one the optimiser reported (mostly
content cost at relu5_4). The bounded version projects each trial point onto the box and takes the
quasi-Newton direction over the free pixels only (those not held at a bound by their gradient), the
active-set idea of L-BFGS-B without its Cauchy point.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

#: A function that evaluates J at the current image and leaves ∂J/∂G in ``image.grad``.
Evaluate = Callable[[], dict[str, torch.Tensor]]


@dataclass
class StepResult:
    """What one iteration produced: the costs at the image it was evaluated on, and evaluations used."""

    costs: dict[str, torch.Tensor]
    evaluations: int = 1
    converged: bool = False


class Adam:
    """The report's optimiser: G ← G − lr·Adam(∂J/∂G), then G clipped to [0, 1] as the course code did."""

    def __init__(self, image: torch.Tensor, *, lr: float) -> None:
        self.image = image
        self.optimizer = torch.optim.Adam([image], lr=lr)

    def step(self, evaluate: Evaluate) -> StepResult:
        self.optimizer.zero_grad(set_to_none=True)
        costs = evaluate()
        self.optimizer.step()
        with torch.no_grad():
            self.image.clamp_(0, 1)
        return StepResult(costs)


@dataclass
class _History:
    """Secant pairs (s, y) and 1/(yᵀs), kept as device tensors so no step waits on the GPU."""

    steps: list[torch.Tensor] = field(default_factory=list)
    grad_changes: list[torch.Tensor] = field(default_factory=list)
    inverse_curvatures: list[torch.Tensor] = field(default_factory=list)

    def push(self, step: torch.Tensor, grad_change: torch.Tensor, size: int) -> None:
        curvature = grad_change @ step
        if float(curvature) <= 1e-10:
            return  # Not a valid secant pair (non-convex patch); skipping keeps H positive definite.
        if len(self.steps) == size:
            self.steps.pop(0)
            self.grad_changes.pop(0)
            self.inverse_curvatures.pop(0)
        self.steps.append(step)
        self.grad_changes.append(grad_change)
        self.inverse_curvatures.append(1.0 / curvature)

    def clear(self) -> None:
        self.steps.clear()
        self.grad_changes.clear()
        self.inverse_curvatures.clear()

    def direction(self, grad: torch.Tensor, free: torch.Tensor | None = None) -> torch.Tensor:
        """−H·grad by the two-loop recursion, H₀ = (sᵀy / yᵀy)·I.

        With ``free`` (a 0/1 mask of the entries allowed to move) the secant pairs are restricted
        to those entries, so curvature measured on entries now held at a bound does not bend the
        step of the others: quasi-Newton in the free subspace.
        """
        if free is None:
            return self._two_loop(-grad, list(zip(self.steps, self.grad_changes, self.inverse_curvatures)))
        # Restricted pairs (s∘free, y∘free) are never built: q starts in the free subspace and every
        # update keeps it there, so s·q and y·q equal their restricted dots, and the curvature
        # (y∘free)·(s∘free) is (y∘s)·free. Building them would allocate 60 image-sized tensors per
        # step, whose page faults cost a sizeable fraction of a VGG evaluation on a CPU.
        scratch = torch.empty_like(grad)
        pairs = []
        for s, y in zip(self.steps, self.grad_changes):
            curvature = torch.mul(y, s, out=scratch) @ free
            if float(curvature) > 1e-10:
                pairs.append((s, y, 1.0 / curvature))
        return self._two_loop(-grad * free, pairs, free, scratch)

    @staticmethod
    def _two_loop(q: torch.Tensor, pairs: list, free: torch.Tensor | None = None,
                  scratch: torch.Tensor | None = None) -> torch.Tensor:
        """The recursion on ``q`` = −grad in place; with ``free``, y and s enter restricted to it."""

        def restricted(vector: torch.Tensor) -> torch.Tensor:
            return vector if free is None else torch.mul(vector, free, out=scratch)

        alphas = []
        for s, y, rho in reversed(pairs):
            alpha = rho * (s @ q)
            q.addcmul_(restricted(y), alpha, value=-1)
            alphas.append(alpha)
        if pairs:
            s, y, rho = pairs[-1]
            y_norm = y @ y if free is None else torch.mul(y, y, out=scratch) @ free
            q.mul_(1.0 / (rho * y_norm))  # H₀ = sᵀy / yᵀy, both in the free subspace
        for (s, y, rho), alpha in zip(pairs, reversed(alphas)):
            beta = rho * (y @ q)
            q.addcmul_(restricted(s), alpha - beta)
        return q


class LBFGS:
    """Limited-memory BFGS on one image tensor with a backtracking (Armijo) line search.

    Args:
        image: the leaf tensor (B, 3, H, W) being optimised; updated in place.
        lr: scale of the quasi-Newton step (1.0 is the natural value).
        history_size: number of secant pairs kept.
        first_step: largest pixel change of the first iteration, before curvature is known.
        bounds: (low, high) every entry is kept within, or None for an unconstrained variable.
    """

    def __init__(
        self,
        image: torch.Tensor,
        *,
        lr: float = 1.0,
        history_size: int = 30,
        first_step: float = 0.02,
        bounds: tuple[float, float] | None = None,
    ):
        self.image = image
        self.lr = lr
        self.history_size = history_size
        self.first_step = first_step
        self.bounds = bounds
        self.history = _History()
        self._value: float | None = None
        self._grad: torch.Tensor | None = None
        self._costs: dict[str, torch.Tensor] | None = None

    def _evaluate(self, evaluate: Evaluate) -> tuple[dict[str, torch.Tensor], float, torch.Tensor]:
        self.image.grad = None
        costs = evaluate()
        grad = self.image.grad.detach().reshape(-1).clone()
        return costs, float(costs["total"]), grad

    @torch.no_grad()
    def step(self, evaluate: Evaluate) -> StepResult:
        evaluations = 0
        if self._grad is None:
            with torch.enable_grad():
                self._costs, self._value, self._grad = self._evaluate(evaluate)
            evaluations += 1
        value, grad = self._value, self._grad
        assert value is not None and grad is not None and self._costs is not None
        flat = self.image.view(-1)
        held = self._held_at_bounds(flat, grad)
        free = None if held is None or not bool(held.any()) else (~held).to(grad.dtype)
        free_grad = grad if free is None else grad * free
        direction = self.history.direction(grad, free)
        slope = float(free_grad @ direction)
        if slope >= 0:  # Not a descent direction: forget the curvature and use the gradient.
            self.history.clear()
            direction = -free_grad
            slope = float(free_grad @ direction)
        if slope == 0:
            return StepResult(self._costs, evaluations, converged=True)
        if self.history.steps:
            t = self.lr
        else:
            t = self.lr * self.first_step / max(float(direction.abs().max()), 1e-12)
        start = flat.clone()
        decreased = False
        for _ in range(12):
            flat.copy_(self._project(start + t * direction))
            # Projection can shorten the step, so the decrease asked for is that of the step taken.
            taken = flat - start
            if self.bounds is not None and not bool(taken.any()):
                break  # the box leaves no room along this direction
            with torch.enable_grad():
                costs, new_value, new_grad = self._evaluate(evaluate)
            evaluations += 1
            # A strict decrease too: in bf16 a tiny step can leave J bit-for-bit unchanged, and
            # accepting it made long runs repeat the same J for hundreds of steps.
            if new_value < value and new_value <= value + 1e-4 * min(float(grad @ taken), 0.0):
                decreased = True
                break
            # Minimum of the quadratic through f(0), f'(0) and f(t), kept within [0.1t, 0.5t].
            denominator = 2 * (new_value - value - slope * t)
            proposal = -slope * t * t / denominator if denominator > 0 else 0.5 * t
            t = min(max(proposal, 0.1 * t), 0.5 * t)
        if not decreased:  # no decrease found along this direction
            flat.copy_(start)
            self.history.clear()
            return StepResult(self._costs, evaluations, converged=True)
        self.history.push(taken, new_grad - grad, self.history_size)
        self._costs, self._value, self._grad = costs, new_value, new_grad
        return StepResult(costs, evaluations)

    def _held_at_bounds(self, flat: torch.Tensor, grad: torch.Tensor) -> torch.Tensor | None:
        """Entries at a bound whose descent direction (−grad) points out of the box: they stay put."""
        if self.bounds is None:
            return None
        low, high = self.bounds
        return ((flat <= low) & (grad > 0)) | ((flat >= high) & (grad < 0))

    def _project(self, flat: torch.Tensor) -> torch.Tensor:
        return flat if self.bounds is None else flat.clamp(*self.bounds)


def make_optimizer(
    name: str, image: torch.Tensor, *, lr: float, bounds: tuple[float, float] | None = None,
    history_size: int = 30,
) -> Adam | LBFGS:
    """The optimiser called ``name`` ("adam" or "lbfgs") working on ``image``.

    ``bounds`` keeps L-BFGS's variable in a box (Adam clips its pixels to [0, 1] anyway);
    ``history_size`` is L-BFGS's number of curvature pairs.
    """
    if name == "adam":
        return Adam(image, lr=lr)
    return LBFGS(image, lr=lr, bounds=bounds, history_size=history_size)
