"""The web server's side of cluster mode: the studio's routes over Redis jobs and remote workers.

Everything the page sees works as in the embedded studio (progress and previews over the same
event stream, cancel, download, history); the difference is where jobs wait and paint. The server
only queues: it runs no painter, so it never imports torch's workers or touches a GPU.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from facestyle.cluster.blobs import result_name
from facestyle.cluster.client import ClusterClient
from facestyle.cluster.redis_store import DEFAULT_PREFIX
from facestyle.cluster.runner import MAX_ATTEMPTS
from facestyle.web.config import StudioConfig, make_private_dir
from facestyle.web.jobs import Job
from facestyle.web.retention import Janitor
from facestyle.web.studio import Studio

log = logging.getLogger("facestyle.web")

#: Seconds between two looks for jobs whose worker has gone (the workers look too).
REAP_SECONDS = 10.0


class ClusterStudio(Studio):
    """A :class:`Studio` whose jobs live in Redis and are painted by ``facestyle worker`` processes."""

    mode = "cluster"

    def __init__(
        self,
        config: StudioConfig,
        *,
        broker: str,
        blobs_dir: Path | None = None,
        prefix: str = DEFAULT_PREFIX,
    ):
        self.config = config
        make_private_dir(config.data_dir)
        self.client = ClusterClient(
            broker, blobs_dir=blobs_dir, retention_hours=config.retention_hours, prefix=prefix,
            max_size=config.max_size,
        )
        self.wakeup = threading.Condition()
        self.files = self.client.blobs
        self.store = self.client.store
        self.cancels = self.client.cancels
        self.workers = []
        self.reaper = Janitor(self.reap, interval=REAP_SECONDS)
        self._setup_common()

    @property
    def devices(self) -> tuple[str, ...]:
        """The devices of the live workers, each once."""
        return tuple(sorted({worker["device"] for worker in self.client.workers()}))

    def live_workers(self) -> list[dict[str, Any]]:
        return self.client.workers()

    def result_name(self, job: Job) -> str:
        return result_name(job.attempts)

    def start(self) -> None:
        self.janitor.start()
        self.reaper.start()
        self.started = True

    def stop(self) -> None:
        self.closing.set()
        if self.started:
            self.janitor.stop()
            self.reaper.stop()
        self.client.close()
        self.started = False

    def _dispatch(self, job: Job) -> None:
        self.client.enqueue(job.id)

    def reap(self) -> int:
        """Queue again (or fail) the jobs whose worker stopped renewing its lease; how many."""
        again, failed = self.store.recover(max_attempts=MAX_ATTEMPTS)
        for job_id in again:
            self.client.enqueue(job_id)
        if again or failed:
            log.warning("jobs whose worker went away: %d queued again, %d failed", len(again), len(failed))
        return len(again) + len(failed)
