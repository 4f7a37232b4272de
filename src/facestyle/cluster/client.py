"""A program's handle on the cluster: submit a photo with a style and settings, wait, fetch, cancel.

The web server's cluster mode and a batch runner both queue jobs through this; nothing here
paints. Jobs, images and the queue live in Redis (or the images in a shared folder), so any
number of clients and workers on any machines see the same jobs.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from facestyle.cluster.app import TASK_NAME, VISIBILITY_TIMEOUT, make_app
from facestyle.cluster.blobs import open_blobs, result_name
from facestyle.cluster.redis_store import DEFAULT_PREFIX, RedisJobStore
from facestyle.cluster.registry import RedisCancelFlags, WorkerRegistry
from facestyle.errors import FacestyleError, OptionError
from facestyle.image.io import ImageSource, load_image
from facestyle.web import gallery
from facestyle.web.files import JobFiles, new_job_id
from facestyle.web.jobs import CANCELLED, DONE, FAILED, Job
from facestyle.web.uploads import clean_png

BROKER_SCHEMES = ("redis://", "rediss://", "redis+socket://")


def check_broker_url(url: str) -> str:
    """Refuse anything but a Redis URL, in one line."""
    if not url.startswith(BROKER_SCHEMES):
        raise OptionError(
            f"the broker must be a Redis URL (redis://[:PASSWORD@]HOST:PORT/DB, rediss://… or "
            f"redis+socket:///path/redis.sock), not '{url}'"
        )
    return url


def redacted(url: str) -> str:
    """``url`` with its password replaced by ``***``, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class JobFailed(FacestyleError):
    """The job ended failed or cancelled; the message says why."""


class ClusterClient:
    """Submit, follow, fetch and cancel jobs on the cluster at ``broker``."""

    def __init__(
        self,
        broker: str,
        *,
        blobs_dir: Path | None = None,
        retention_hours: float = 24.0,
        prefix: str = DEFAULT_PREFIX,
        max_size: int = 4096,
    ):
        self.broker = check_broker_url(broker)
        self.prefix = prefix
        self.max_size = max_size
        self.store = RedisJobStore(broker, prefix=prefix)
        self.blobs = open_blobs(broker, blobs_dir, retention_seconds=retention_hours * 3600.0, prefix=prefix)
        self.cancels = RedisCancelFlags(self.store.redis, prefix)
        self.registry = WorkerRegistry(self.store.redis, prefix)
        self.app = make_app(broker, prefix=prefix, visibility_timeout=VISIBILITY_TIMEOUT)

    def close(self) -> None:
        self.app.close()
        self.store.close()
        if hasattr(self.blobs, "close"):
            self.blobs.close()

    def submit(
        self,
        photo: ImageSource,
        style: ImageSource | None = None,
        *,
        style_id: str | None = None,
        settings: dict[str, Any] | None = None,
        quality: str = "custom",
        limit: int | None = None,
    ) -> str:
        """Queue ``photo`` painted like ``style`` (a path, bytes or image) or gallery ``style_id``; the job id.

        ``settings`` are :func:`facestyle.stylize` options (``size``, ``steps``, ``method``, ...).

        Raises:
            InputImageError: a photo or style that cannot be read.
            OptionError: both or neither of style and style_id, or an unknown gallery id.
            QueueFull: ``limit`` jobs already wait.
        """
        if (style is None) == (style_id is None):
            raise OptionError("give exactly one of a style image or a gallery style_id")
        if style_id is not None and gallery.find(style_id) is None:
            raise OptionError(f"the gallery has no painting '{style_id}'")
        job_id = new_job_id()
        self.blobs.create(job_id)
        try:
            self.blobs.write_atomic(job_id, JobFiles.CONTENT, self._clean(photo, "photo"))
            if style is not None:
                self.blobs.write_atomic(job_id, JobFiles.STYLE, self._clean(style, "style image"))
            self.store.add(job_id, quality=quality, options=dict(settings or {}), style_id=style_id, limit=limit)
        except BaseException:
            self.blobs.remove(job_id)
            raise
        self.enqueue(job_id)
        return job_id

    def _clean(self, source: ImageSource, what: str) -> bytes:
        return clean_png(load_image(source, what=what), long_side=self.max_size)

    def enqueue(self, job_id: str) -> None:
        """Send the job's message: its id only."""
        self.app.send_task(TASK_NAME, args=[job_id])

    def get(self, job_id: str) -> Job | None:
        return self.store.get(job_id)

    def wait(self, job_id: str, *, timeout: float | None = None, poll: float = 0.2) -> Job:
        """Block until the job has ended; the job as it ended.

        Raises:
            TimeoutError: it has not ended within ``timeout`` seconds.
            KeyError: no such job (deleted or expired).
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.store.get(job_id)
            if job is None:
                raise KeyError(job_id)
            if job.is_finished:
                return job
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"job {job_id} is still {job.status} after {timeout:g} s")
            time.sleep(poll)

    def result(self, job_id: str) -> bytes:
        """The finished portrait as PNG bytes.

        Raises:
            JobFailed: the job failed or was cancelled (with its reason), or is not done yet.
        """
        job = self.store.get(job_id)
        if job is None or job.status != DONE:
            status = job.status if job else "gone"
            reason = f": {job.error}" if job and job.error and job.status in (FAILED, CANCELLED) else ""
            raise JobFailed(f"job {job_id} is {status}{reason}")
        data = self.blobs.read(job_id, result_name(job.attempts))
        if data is None:
            raise JobFailed(f"the result of job {job_id} has gone (past retention)")
        return data

    def cancel(self, job_id: str) -> bool:
        """Stop a waiting or running job (a running one within about a second); False if it had ended."""
        self.cancels.set(job_id)
        cancelled = self.store.cancel(job_id)
        if not cancelled:
            self.cancels.clear(job_id)
        return cancelled

    def delete(self, job_id: str) -> bool:
        """Cancel the job if needed, then remove it and its images."""
        self.cancels.set(job_id)
        self.store.cancel(job_id)
        self.blobs.remove(job_id)
        return self.store.delete(job_id)

    def workers(self) -> list[dict[str, Any]]:
        """The live workers: name, host, pid, device, the job each paints."""
        return self.registry.live()
