"""One painting run in a worker process, under a lease, and the heartbeat that keeps the lease.

A delivery of a job's message first takes the job's lease (:meth:`RedisJobStore.start`). Only
the lease's owner may write progress or the final status, and its result goes under its own
attempt's name, so a duplicate delivery or a run that lost its lease changes nothing. The
heartbeat renews the lease, announces the worker, and queues again the jobs of workers whose
lease ran out (killed, frozen or unplugged), or fails them after ``max_attempts`` tries.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from facestyle.cluster.blobs import result_name
from facestyle.cluster.redis_store import RedisJobStore
from facestyle.cluster.registry import RedisCancelFlags, WorkerRegistry
from facestyle.engine import Progress, Result
from facestyle.errors import Cancelled, FacestyleError
from facestyle.image.io import save_image
from facestyle.web import gallery
from facestyle.web.files import JobFiles
from facestyle.web.jobs import CANCELLED, DONE, FAILED, Job, stage_of
from facestyle.web.worker import Engine, ProgressReporter, preview_jpeg

log = logging.getLogger("facestyle.cluster")

#: A job whose painter stopped this many times (killed, crashed) is failed rather than tried again.
MAX_ATTEMPTS = 2
#: At most this often a run asks Redis whether it was cancelled: a cancel lands within about a second.
CANCEL_CHECK_SECONDS = 0.2


class LeaseLost(Cancelled):
    """The run's lease ended (cancelled, or taken over after a stall): stop and write nothing more."""


@dataclass
class Run:
    job_id: str
    owner: str
    attempt: int
    lost: threading.Event = field(default_factory=threading.Event)


@dataclass
class WorkerContext:
    """What a worker process paints with; the Celery task finds it here."""

    store: RedisJobStore
    blobs: Any
    device: str
    engine: Engine
    enqueue: Callable[[str], None]
    max_attempts: int = MAX_ATTEMPTS
    preview_seconds: float = 0.5
    preview_size: int = 384
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    current: Run | None = None
    jobs_done: int = 0

    def __post_init__(self) -> None:
        self.cancels = RedisCancelFlags(self.store.redis, self.store.prefix)
        self.registry = WorkerRegistry(self.store.redis, self.store.prefix)

    @property
    def label(self) -> str:
        """What a job's ``device`` shows: the device and the worker that paints it."""
        return f"{self.device}@{self.name}"

    def write_preview(self, job_id: str, image: Any) -> bool:
        return self.blobs.write_atomic(job_id, JobFiles.PREVIEW, preview_jpeg(image, self.preview_size))


class LeasedReporter(ProgressReporter):
    """The studio's progress callback, writing as the lease's owner and stopping on cancel or a lost lease."""

    def __init__(self, context: WorkerContext, run: Run):
        super().__init__(context, run.job_id)
        self.run = run
        self.last_check = float("-inf")

    def check(self) -> None:
        if self.run.lost.is_set():
            raise LeaseLost("the job's lease ended")
        now = time.monotonic()
        if now - self.last_check >= CANCEL_CHECK_SECONDS:
            self.last_check = now
            if self.worker.cancels.is_set(self.job_id):
                raise Cancelled("cancelled on request")

    def record(self, event: Progress, new_preview: bool) -> None:
        self.worker.store.record_progress(
            self.job_id, step=event.step, total_steps=event.total_steps, costs=event.costs,
            new_preview=new_preview, stage=stage_of(event), owner=self.run.owner,
        )


def run_job(context: WorkerContext, job_id: str) -> str:
    """Paint ``job_id`` if its lease can be taken; returns how the delivery ended (``ok``, ``busy``, ...)."""
    owner = f"{context.name}/{secrets.token_hex(4)}"
    outcome, attempt = context.store.start(
        job_id, owner=owner, device=context.label, max_attempts=context.max_attempts
    )
    if outcome != "ok":
        log.info("job %s not painted here: %s", job_id, outcome)
        return outcome
    run = Run(job_id, owner, attempt)
    context.current = run
    try:
        return _paint(context, run)
    finally:
        context.current = None
        context.cancels.clear(job_id)


def _paint(context: WorkerContext, run: Run) -> str:
    store, started = context.store, time.perf_counter()

    def finish(status: str, error: str | None = None) -> str:
        ended = store.finish(run.job_id, status, error=error, seconds=_since(started), owner=run.owner)
        return status if ended else "stale"

    job = store.get(run.job_id)
    if job is None:
        return "gone"
    try:
        content, style = _inputs(context, job)
        options = dict(job.options)
        medium = options.pop("medium", None)
        if medium is not None:  # a drawing job from the studio's Drawing control
            from facestyle.sketch import sketch

            quality = "fast" if options.pop("method", None) == "fast" else "full"
            result = sketch(content, medium=medium, quality=quality, progress=LeasedReporter(context, run),
                            device=context.device, **options)
        else:
            result = context.engine(
                content, style, progress=LeasedReporter(context, run), device=context.device, fast_preview=True,
                **options,
            )
    except LeaseLost:
        return "stale"
    except Cancelled:
        return finish(CANCELLED, "cancelled on request")
    except FacestyleError as error:
        return finish(FAILED, str(error))
    except Exception as error:
        log.exception("job %s failed", run.job_id)
        return finish(FAILED, f"internal error ({type(error).__name__}: {error}); see the worker's log")
    if not context.blobs.write_atomic(run.job_id, result_name(run.attempt), _png(result)):
        return "gone"  # deleted or expired while it painted
    context.write_preview(run.job_id, result.image)
    context.jobs_done += 1
    return finish(DONE)


def _inputs(context: WorkerContext, job: Job) -> tuple[bytes, bytes]:
    content = context.blobs.read(job.id, JobFiles.CONTENT)
    if job.style_id is not None:
        painting = gallery.find(job.style_id)
        if painting is None:
            raise FacestyleError(f"the gallery has no painting '{job.style_id}' on this worker; pick another")
        style = painting.read_bytes()
    else:
        style = context.blobs.read(job.id, JobFiles.STYLE)
    if content is None or style is None:
        raise FacestyleError("the job's images have gone (deleted or past retention); submit it again")
    return content, style


def _png(result: Result) -> bytes:
    """The result as the studio serves it: a PNG with facestyle's settings and nothing else."""
    with tempfile.TemporaryDirectory(prefix="facestyle-") as folder:
        return save_image(result.image, Path(folder) / "result.png", metadata=result.metadata()).read_bytes()


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)


class Heartbeat:
    """A thread renewing the current run's lease, announcing the worker and recovering abandoned jobs."""

    def __init__(self, context: WorkerContext, *, interval: float | None = None):
        self.context = context
        self.interval = interval if interval is not None else max(0.2, context.store.lease_seconds / 3)
        self.started = time.time()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="facestyle-heartbeat", daemon=True)

    def start(self) -> None:
        self.beat()
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        try:
            self.context.registry.leave(self.context.name)
        except Exception:  # pragma: no cover - Redis gone while stopping; the key expires anyway
            pass

    def _loop(self) -> None:
        while not self._stopping.wait(self.interval):
            try:
                self.beat()
            except Exception:  # Redis restarting or unreachable: try again at the next beat
                log.warning("heartbeat failed; retrying", exc_info=True)

    def beat(self) -> None:
        context = self.context
        run = context.current
        if run is not None and not context.store.renew(run.job_id, run.owner):
            run.lost.set()
        info = {
            "name": context.name, "host": socket.gethostname(), "pid": os.getpid(), "device": context.device,
            "job": run.job_id if run else None, "since": round(self.started, 3), "jobs_done": context.jobs_done,
        }
        context.registry.beat(context.name, info, ttl_seconds=max(3 * self.interval, 2.0))
        again, failed = context.store.recover(max_attempts=context.max_attempts)
        for job_id in again:
            log.warning("job %s lost its painter; queued again", job_id)
            context.enqueue(job_id)
        for job_id in failed:
            log.warning("job %s stopped its painter %d times; failed", job_id, context.max_attempts)
