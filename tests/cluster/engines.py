"""Stand-ins for the engine in worker subprocesses: the real engine, logging each run to a file.

Workers load them with ``--engine tests.cluster.engines:logged``; each run appends
``<event> <seed> <time>`` lines to ``$FACESTYLE_TEST_RUNLOG``, so a test can count runs per job.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from facestyle.engine import stylize

#: A job with this seed kills the worker process that paints it, every time.
CRASH_SEED = 666


def _log(event: str, seed: Any) -> None:
    path = os.environ.get("FACESTYLE_TEST_RUNLOG")
    if path:
        with open(path, "a") as log:
            log.write(f"{event} {seed} {time.time():.3f}\n")


def logged(content: Any, style: Any, *, progress: Any, **options: Any) -> Any:
    seed = options.get("seed")
    _log("start", seed)
    if seed == CRASH_SEED:
        os.kill(os.getpid(), signal.SIGKILL)
    try:
        result = stylize(content, style, progress=progress, **options)
    except BaseException:
        _log("stopped", seed)
        raise
    _log("end", seed)
    return result


def read_runs(path: Path) -> list[tuple[str, int, float]]:
    if not path.exists():
        return []
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    return [(event, int(seed), float(stamp)) for event, seed, stamp in rows]
