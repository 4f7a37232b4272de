"""The studio's state: the job store, the job folders, the workers and the janitor, run together.

:class:`Studio` is what the routes in :mod:`.app` call; it knows nothing of HTTP beyond raising
:mod:`.errors` types. ``start()`` first recovers from a previous run that stopped abruptly: jobs
left running go back in the queue (once), or fail with a reason.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from PIL import Image

from facestyle.cores import threads_per_worker
from facestyle.engine import stylize
from facestyle.web.config import StudioConfig, make_private_dir
from facestyle.web.errors import Busy, NotFound
from facestyle.web.files import JobFiles, is_job_id, new_job_id
from facestyle.web.jobs import DONE, Job, JobStore, QueueFull
from facestyle.web.prints import largest_print, photo_size
from facestyle.web.retention import Janitor
from facestyle.web.store import SqliteJobStore
from facestyle.web.uploads import clean_png
from facestyle.web.worker import CancelFlags, Engine, Worker

log = logging.getLogger("facestyle.web")

#: A job that was running when the server died this many times is failed rather than retried.
MAX_ATTEMPTS = 2
DECODE_SLOTS = 2


def default_devices() -> tuple[str, ...]:
    """One device per CUDA GPU when there are any, else the CPU."""
    import torch

    if torch.cuda.is_available():
        return tuple(f"cuda:{index}" for index in range(torch.cuda.device_count()))
    return ("cpu",)


class Studio:
    """Jobs in, results out. Thread-safe; one instance per server."""

    #: What ``GET /api/health`` reports: jobs paint in this server's own threads.
    mode = "embedded"

    def __init__(self, config: StudioConfig, *, engine: Engine = stylize):
        self.config = config
        make_private_dir(config.data_dir)
        self.wakeup = threading.Condition()
        self.files: Any = JobFiles(config.jobs_dir)
        self.store: JobStore = SqliteJobStore(config.database)
        self.cancels: Any = CancelFlags()
        self._devices = config.devices or default_devices()
        # Workers painting on the CPU at once split its cores (BENCHMARKS.md#cores-shared).
        cpu_workers = sum(1 for device in self._devices if device == "cpu")
        cpu_threads = threads_per_worker(cpu_workers) if cpu_workers else None
        self.workers = [
            Worker(
                device,
                store=self.store,
                files=self.files,
                wakeup=self.wakeup,
                cancels=self.cancels,
                engine=engine,
                preview_seconds=config.preview_seconds,
                preview_size=config.preview_size,
                threads=cpu_threads if device == "cpu" else None,
            )
            for device in self._devices
        ]
        self._setup_common()

    def _setup_common(self) -> None:
        self.janitor = Janitor(self.purge_expired, interval=self.config.sweep_interval)
        # Decoding a 50-megapixel upload takes ~150 MB; a burst of submissions decodes two at a time.
        self.decoding = threading.BoundedSemaphore(DECODE_SLOTS)
        self.started = False
        #: Set when the server begins to shut down: progress streams end instead of holding it up.
        self.closing = threading.Event()
        self._photo_sizes: dict[str, tuple[int, int]] = {}  # a job's photo never changes

    @property
    def devices(self) -> tuple[str, ...]:
        """The devices jobs paint on."""
        return tuple(self._devices)

    def live_workers(self) -> list[dict[str, Any]]:
        """The painters and what each paints now (the embedded studio's worker threads)."""
        return [{"name": f"local-{worker.device}", "device": worker.device, "job": worker.current_job}
                for worker in self.workers]

    def result_name(self, job: Job) -> str:
        return JobFiles.RESULT

    def read_file(self, job: Job, name: str) -> bytes | None:
        """One of the job's images (``JobFiles.PREVIEW`` or ``JobFiles.RESULT``), or None when absent."""
        return self.files.read(job.id, name)

    # -- life cycle

    def start(self) -> None:
        again, failed = self.store.recover(max_attempts=MAX_ATTEMPTS)
        if again or failed:
            log.warning("after a restart: %d job(s) queued again, %d failed", len(again), len(failed))
        self.janitor.start()
        for worker in self.workers:
            worker.start()
        self.started = True

    def begin_shutdown(self) -> None:
        self.closing.set()

    def stop(self) -> None:
        """Stop the workers (a job cut short goes back in the queue), the janitor, then close the store."""
        self.closing.set()
        if self.started:
            for worker in self.workers:
                worker.stop()
            self.janitor.stop()
        self.store.close()
        self.started = False

    # -- jobs

    def submit(
        self,
        content: Image.Image,
        *,
        quality: str,
        options: dict[str, Any],
        style: Image.Image | None = None,
        style_id: str | None = None,
    ) -> Job:
        """Queue a job: write its images into a new private folder, then add the row.

        Raises:
            Busy: ``queue_limit`` jobs are already waiting.
        """
        if (style is None) == (style_id is None):
            raise ValueError("give exactly one of style and style_id")

        def write_inputs(job_id: str) -> None:
            long_side = self.config.largest_size
            self.files.write_atomic(job_id, JobFiles.CONTENT, clean_png(content, long_side=long_side))
            if style is not None:
                self.files.write_atomic(job_id, JobFiles.STYLE, clean_png(style, long_side=long_side))

        return self._queue(write_inputs, quality=quality, options=options, style_id=style_id)

    def submit_from(
        self,
        source_id: str,
        *,
        quality: str,
        options: dict[str, Any],
        style: Image.Image | None = None,
        style_id: str | None = None,
    ) -> Job:
        """Queue a job on an earlier job's photo, and on its painting unless ``style`` or ``style_id`` is given.

        The inputs are shared into the new job's own folder (:meth:`JobFiles.share`), so either job
        may be deleted or expire without the other losing them; the new job's retention counts from
        its own creation.

        Raises:
            NotFound: the earlier job is unknown, deleted or expired (also while this runs).
            Busy: ``queue_limit`` jobs are already waiting.
        """
        if style is not None and style_id is not None:
            raise ValueError("give at most one of style and style_id")
        source = self.reusable_job(source_id)
        shared = [JobFiles.CONTENT]
        if style is None and style_id is None:
            style_id = source.style_id
            if style_id is None:
                shared.append(JobFiles.STYLE)

        def write_inputs(job_id: str) -> None:
            for name in shared:
                self.files.share(source.id, job_id, name)
            if style is not None:
                self.files.write_atomic(job_id, JobFiles.STYLE, clean_png(style, long_side=self.config.largest_size))

        try:
            return self._queue(write_inputs, quality=quality, options=options, style_id=style_id)
        except FileNotFoundError:
            raise self._gone_source() from None

    def photo_size(self, job: Job) -> tuple[int, int] | None:
        """(width, height) of the job's stored photo; None when it has gone."""
        if job.id not in self._photo_sizes:
            size = photo_size(self.files.read(job.id, JobFiles.CONTENT))
            if size is None:
                return None
            self._photo_sizes[job.id] = size
        return self._photo_sizes[job.id]

    def print_size(self, job: Job) -> int:
        """The largest print of a finished job's photo (0: none offered); the studio's print size until then."""
        if self.config.print_size <= 0 or job.status != DONE:
            return self.config.print_size
        size = self.photo_size(job)
        return self.config.print_size if size is None else largest_print(self.config.print_size, job.options, size)

    def reusable_job(self, job_id: str) -> Job:
        """The job whose inputs a new job may reuse: one that exists and is within its retention.

        A job past its retention that the janitor has not swept yet counts as expired, so reusing
        it cannot keep a photo beyond the time its owner was promised.

        Raises:
            NotFound: unknown, deleted, expired or malformed id.
        """
        job = self.store.get(job_id) if is_job_id(job_id) else None
        if job is None or job.created < time.time() - self.config.retention_seconds:
            raise self._gone_source()
        return job

    def _queue(
        self, write_inputs: Callable[[str], None], *, quality: str, options: dict[str, Any], style_id: str | None
    ) -> Job:
        """Make a new job folder, let ``write_inputs`` fill it, then add the row; no folder is left on failure."""
        self.ensure_capacity()
        job_id = new_job_id()
        self.files.create(job_id)
        try:
            write_inputs(job_id)
            job = self.store.add(
                job_id, quality=quality, options=options, style_id=style_id, limit=self.config.queue_limit
            )
        except QueueFull:
            self.files.remove(job_id)
            raise self._busy() from None
        except BaseException:
            self.files.remove(job_id)
            raise
        self._dispatch(job)
        return job

    def _dispatch(self, job: Job) -> None:
        """Hand a newly queued job to the painters: wake a worker thread."""
        with self.wakeup:
            self.wakeup.notify()

    def ensure_capacity(self) -> None:
        """Raise Busy now if the queue is full, before time is spent decoding uploads.

        Only a hint: :meth:`submit` checks again under the store's lock.
        """
        if self.store.count("queued") >= self.config.queue_limit:
            raise self._busy()

    def job(self, job_id: str) -> Job:
        """Raises NotFound for unknown, expired, deleted or malformed ids alike."""
        job = self.store.get(job_id) if is_job_id(job_id) else None
        if job is None:
            raise NotFound(
                "no such job; it may have been deleted or expired "
                f"(results are kept {self.config.retention_hours:g} h)"
            )
        return job

    def cancel(self, job_id: str) -> Job:
        """Stop a waiting or running job; a finished job is returned unchanged."""
        self.job(job_id)
        self.cancels.set(job_id)
        if not self.store.cancel(job_id):
            self.cancels.clear(job_id)
        return self.job(job_id)

    def delete(self, job_id: str) -> None:
        """Cancel the job if needed, then remove its row and every file it had."""
        self.job(job_id)
        self.cancels.set(job_id)
        self.store.cancel(job_id)
        self.store.delete(job_id)
        self.files.remove(job_id)

    def queue_position(self, job: Job) -> int | None:
        return self.store.queue_position(job)

    def purge_expired(self, now: float | None = None) -> int:
        """Delete jobs created more than the retention period ago, and folders no job owns."""
        cutoff = (time.time() if now is None else now) - self.config.retention_seconds
        expired = self.store.ids_created_before(cutoff)
        for job_id in expired:
            try:
                self.delete(job_id)
            except NotFound:
                pass  # deleted by its owner meanwhile
        known = self.store.all_ids()
        orphans = [job_id for job_id in self.files.job_ids_on_disk() if job_id not in known]
        for job_id in orphans:
            # A folder made by a submission that is still being written has no row yet: spare it
            # unless it is older than a minute.
            folder = self.files.folder(job_id)
            if folder.exists() and time.time() - folder.stat().st_mtime > 60:
                self.files.remove(job_id)
        return len(expired)

    def _gone_source(self) -> NotFound:
        return NotFound(
            "from_job names no job here; it may have been deleted or expired "
            f"(jobs are kept {self.config.retention_hours:g} h); upload the photo again"
        )

    def _busy(self) -> Busy:
        return Busy(
            f"the studio already has {self.config.queue_limit} jobs waiting; try again in a minute",
            retry_after=30,
        )
