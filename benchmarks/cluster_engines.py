"""Engines for the cluster benchmark's workers (``facestyle worker --engine cluster_engines:NAME``).

``standin`` sleeps through its steps instead of painting: it uses no CPU, so any number of workers
on two cores show the queue's own ceiling. ``real`` is :func:`facestyle.stylize`. Both append
``<event> <seed> <unix time>`` lines (start, progress, end) to ``$FACESTYLE_BENCH_RUNLOG``, so the
benchmark counts the runs of each job (a job is told apart by its seed) and times them on the
clock the client uses.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Callable

#: Seconds of one stand-in step; a stand-in job of N steps takes N times this.
STEP_SECONDS = float(os.environ.get("FACESTYLE_BENCH_STEP_SECONDS", "0.2"))


def log_event(event: str, seed: Any) -> None:
    path = os.environ.get("FACESTYLE_BENCH_RUNLOG")
    if path:
        with open(path, "a") as log:
            log.write(f"{event} {seed} {time.time():.4f}\n")


def _logging_progress(progress: Callable, seed: Any) -> Callable:
    first = True

    def report(event: Any) -> Any:
        nonlocal first
        if first:
            log_event("progress", seed)
            first = False
        return progress(event)

    return report


def standin(content: Any, style: Any, *, progress: Callable, **options: Any) -> Any:
    """``options['steps']`` progress events ``STEP_SECONDS`` apart, then a 32 px result."""
    from facestyle.events import Progress, Result
    from facestyle.image.io import load_image, resize_long_side
    from facestyle.settings import make_settings

    seed = options.get("seed")
    log_event("start", seed)
    report = _logging_progress(progress, seed)
    image = resize_long_side(load_image(content), 32)
    steps = int(options.get("steps", 10))
    for step in range(1, steps + 1):
        time.sleep(STEP_SECONDS)
        report(Progress(step, steps, {"total": 1.0 / step}, step * STEP_SECONDS, image.size, step, lambda: image))
    settings = make_settings(**{k: v for k, v in options.items() if k not in ("progress", "fast_preview")})
    log_event("end", seed)
    return Result(image=image, history=[], settings=settings, seconds=steps * STEP_SECONDS,
                  device=str(options.get("device")))


def real(content: Any, style: Any, *, progress: Callable, **options: Any) -> Any:
    """:func:`facestyle.stylize`, with its start, first progress and end logged."""
    from facestyle.engine import stylize

    seed = options.get("seed")
    log_event("start", seed)
    result = stylize(content, style, progress=_logging_progress(progress, seed), **options)
    log_event("end", seed)
    return result


def read_runlog(path: Path) -> list[tuple[str, int, float]]:
    if not path.exists():
        return []
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    return [(event, int(seed), float(stamp)) for event, seed, stamp in rows]
