"""The janitor: a thread that deletes jobs older than the retention period, uploads and results alike.

Photos of faces are personal data; the studio keeps them only as long as it was told to
(``--retention-hours``, 24 by default), whether or not anyone comes back for them.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

log = logging.getLogger("facestyle.web")


class Janitor:
    """Calls ``sweep()`` now and then every ``interval`` seconds until :meth:`stop`."""

    def __init__(self, sweep: Callable[[], int], *, interval: float):
        self.sweep = sweep
        self.interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="facestyle-janitor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            try:
                removed = self.sweep()
                if removed:
                    log.info("deleted %d expired job(s)", removed)
            except Exception:  # pragma: no cover - keep sweeping; a disk hiccup must not stop retention
                log.exception("retention sweep failed")
            if self._stopping.wait(self.interval):
                return
