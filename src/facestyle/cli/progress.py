"""Showing a run in a terminal: a tqdm bar with ETA and costs, periodic saves, and the closing summary."""

from __future__ import annotations

import sys
from pathlib import Path

from tqdm import tqdm

from facestyle.engine import Progress, Result
from facestyle.image.io import resize_to, save_image


def intermediate_path(output: Path, step: int) -> Path:
    """Where the image of ``step`` goes: ``portrait.png`` → ``portrait.step0050.png``."""
    return output.with_name(f"{output.stem}.step{step:04d}{output.suffix}")


class _TerminalBar:
    """A tqdm bar on stderr, opened on the first update so errors found before it print cleanly."""

    bar: tqdm | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def _open(self, total: int) -> tqdm:
        if self.bar is None:
            # No rate-based remaining time: a step at 2048 px costs many 128 px ones, so the engine's
            # own estimate (Progress.eta) goes in the postfix instead.
            self.bar = tqdm(total=total, unit="step", file=sys.stderr, dynamic_ncols=True, leave=True,
                            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} {unit}s [{elapsed}{postfix}]")
        return self.bar


class ProgressPrinter(_TerminalBar):
    """A progress callback for :func:`facestyle.stylize` that draws a bar and saves every N steps."""

    def __init__(self, *, enabled: bool = True, save_every: int | None = None, output: Path | None = None):
        self.enabled = enabled
        self.save_every = save_every
        self.output = output
        self.saved: list[Path] = []

    def __call__(self, event: Progress) -> None:
        if self.enabled:
            self._open(event.total_steps)  # a one-pass run has one step, whatever --steps says
        if self.bar is not None:
            if event.total_steps != self.bar.total:
                self.bar.total = event.total_steps
            self.bar.set_postfix_str(_costs_text(event.costs) + _scale_text(event), refresh=False)
            self.bar.update(event.step - self.bar.n)
        if self.save_every and self.output is not None and event.step % self.save_every == 0:
            path = intermediate_path(self.output, event.step)
            # Full size whatever scale is being painted, so snapshots compare with the result.
            snapshot = resize_to(event.image(), event.output_size or event.size)
            save_image(snapshot, path, metadata={"step": event.step, "costs": event.costs})
            self.saved.append(path)


class StepPrinter(_TerminalBar):
    """A bar for a loop of steps with one cost (``facestyle tune``), called with (step, steps, cost)."""

    def __init__(self, *, enabled: bool = True, cost_name: str = "Js") -> None:
        self.enabled = enabled
        self.cost_name = cost_name

    def __call__(self, step: int, steps: int, cost: float) -> None:
        if self.enabled:
            bar = self._open(steps)
            bar.set_postfix_str(f"{self.cost_name}={cost:.3g}", refresh=False)
            bar.update(step - bar.n)


def _scale_text(event: Progress) -> str:
    """The size being painted, which scale of how many, and the time left when known."""
    text = f"{event.size[0]}x{event.size[1]}"
    if event.scales > 1:
        text += f" scale {event.scale + 1}/{event.scales}"
    if event.eta is not None:
        minutes, seconds = divmod(round(event.eta), 60)
        text += f" left ≤{minutes}:{seconds:02d}"
    return text


def _costs_text(costs: dict[str, float]) -> str:
    """The costs part of the bar's postfix; empty for AdaIN, which optimises nothing and so has no costs."""
    if "total" not in costs:
        return ""
    return f"J={costs['total']:.4g} Jc={costs.get('content', 0):.3g} Js={costs.get('style', 0):.3g} "


class StudyProgressBar(_TerminalBar):
    """One bar over all cells' steps of a study; the postfix names the cell being run."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, update) -> None:
        if not self.enabled:
            return
        if update.reused:
            # tqdm.write keeps a running bar intact; the bar itself starts with the first cell that runs.
            message = f"cell {update.index + 1}/{update.cells} {update.cell.label}: already done, kept"
            tqdm.write(message, file=sys.stderr)
            return
        bar = self._open(update.total)
        text = f"cell {update.index + 1}/{update.cells} {update.cell.label}"
        if update.event is not None and "total" in update.event.costs:
            text += f" J={update.event.costs['total']:.4g}"
        bar.set_postfix_str(text, refresh=False)
        bar.update(update.done - bar.n)


def print_summary(output: Path, result: Result) -> None:
    """The line that ends a run: where the image went, its size, time and device, and its final costs."""
    costs = result.final_costs
    line = f"wrote {output} ({result.image.width}x{result.image.height}) in {result.seconds:.1f} s on {result.device}"
    if "total" in costs:  # AdaIN optimises nothing, so it has no costs to report
        line += f": J={costs['total']:.4g} J_content={costs.get('content', 0):.4g} J_style={costs.get('style', 0):.4g}"
    print(line, file=sys.stderr)
