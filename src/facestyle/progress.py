"""Showing a run's progress in a terminal: a tqdm bar with ETA and costs, and periodic saves."""

from __future__ import annotations

import sys
from pathlib import Path

from tqdm import tqdm

from .engine import Progress
from .imageio import save_image


def intermediate_path(output: Path, step: int) -> Path:
    """Where the image of ``step`` goes: ``portrait.png`` → ``portrait.step0050.png``."""
    return output.with_name(f"{output.stem}.step{step:04d}{output.suffix}")


class ProgressPrinter:
    """A progress callback for :func:`facestyle.stylize` that draws a bar and saves every N steps."""

    def __init__(self, *, total: int, enabled: bool = True, save_every: int | None = None, output: Path | None = None):
        self.total = total
        self.enabled = enabled
        self.save_every = save_every
        self.output = output
        self.bar: tqdm | None = None
        self.saved: list[Path] = []

    def __enter__(self) -> "ProgressPrinter":
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def __call__(self, event: Progress) -> None:
        if self.enabled and self.bar is None:
            # Created on the first step, so input errors found while loading print one clean line.
            self.bar = tqdm(total=self.total, unit="step", file=sys.stderr, dynamic_ncols=True, leave=True)
        if self.bar is not None:
            if event.total_steps != self.bar.total:
                self.bar.total = event.total_steps
            self.bar.set_postfix_str(
                f"J={event.costs['total']:.4g} Jc={event.costs.get('content', 0):.3g} "
                f"Js={event.costs.get('style', 0):.3g} {event.size[0]}x{event.size[1]}",
                refresh=False,
            )
            self.bar.update(event.step - self.bar.n)
        if self.save_every and self.output is not None and event.step % self.save_every == 0:
            path = intermediate_path(self.output, event.step)
            save_image(event.image(), path, metadata={"step": event.step, "costs": event.costs})
            self.saved.append(path)
