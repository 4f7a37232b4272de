"""A worker thread per device: takes the oldest waiting job, paints it, reports progress, saves it.

The engine is :func:`facestyle.stylize`; the worker turns its progress events into rows in the
store (step, costs) and, every ``preview_seconds``, a small JPEG the page shows while it paints.
Cancelling a job, deleting it or stopping the server makes the next progress event raise
:class:`facestyle.errors.Cancelled`, which stops the engine between two steps.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from typing import Any, Callable

from PIL import Image

from facestyle.cores import use_threads
from facestyle.engine import Progress, Result, stylize
from facestyle.errors import Cancelled, FacestyleError
from facestyle.image.io import save_image
from facestyle.sketch.drawing import sketch
from facestyle.web import gallery
from facestyle.web.files import JobFiles
from facestyle.web.jobs import CANCELLED, DONE, FAILED, Job, JobStore, stage_of

log = logging.getLogger("facestyle.web")

Engine = Callable[..., Result]


class CancelFlags:
    """Ids of jobs that must stop at their next step. Shared by the HTTP layer and the workers."""

    def __init__(self) -> None:
        self._ids: set[str] = set()
        self._lock = threading.Lock()

    def set(self, job_id: str) -> None:
        with self._lock:
            self._ids.add(job_id)

    def is_set(self, job_id: str) -> bool:
        with self._lock:
            return job_id in self._ids

    def clear(self, job_id: str) -> None:
        with self._lock:
            self._ids.discard(job_id)


class ServerStopping(Cancelled):
    """The run stopped because the server is shutting down; the job goes back in the queue."""


class Worker:
    """Runs jobs one at a time on ``device`` in a daemon thread until :meth:`stop`."""

    def __init__(
        self,
        device: str,
        *,
        store: JobStore,
        files: JobFiles,
        wakeup: threading.Condition,
        cancels: CancelFlags,
        engine: Engine = stylize,
        drawer: Engine = sketch,
        preview_seconds: float = 0.5,
        preview_size: int = 384,
        threads: int | None = None,
    ):
        self.device = device
        #: PyTorch threads of this worker's runs (its share of the cores); None keeps the default.
        self.threads = threads
        self.store = store
        self.files = files
        self.wakeup = wakeup
        self.cancels = cancels
        self.engine = engine
        self.drawer = drawer
        self.preview_seconds = preview_seconds
        self.preview_size = preview_size
        self.current_job: str | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"facestyle-worker-{device}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the current step; a job cut short goes back in the queue for the next start."""
        with self.wakeup:
            self._stopping.set()
            self.wakeup.notify_all()
        self._thread.join(timeout)

    def _loop(self) -> None:
        if self.threads is not None:
            use_threads(self.threads)  # PyTorch keeps the count per thread: set it in the one that paints
        while not self._stopping.is_set():
            # Claiming and waiting under the condition's lock: a submission or a stop that
            # notifies in between cannot be missed.
            with self.wakeup:
                job = self.store.claim_next(self.device)
                if job is None:
                    if not self._stopping.is_set():
                        self.wakeup.wait(timeout=5.0)
                    continue
            self.current_job = job.id
            try:
                self.run(job)
            except Exception:  # pragma: no cover - run() already turns errors into a failed job
                log.exception("worker on %s failed on job %s", self.device, job.id)
            finally:
                self.current_job = None

    def run(self, job: Job) -> None:
        """Paint one claimed job and record how it ended."""
        started = time.perf_counter()
        reporter = ProgressReporter(self, job.id)
        try:
            style: Any = self.files.path(job.id, JobFiles.STYLE)
            if job.style_id is not None:
                painting = gallery.find(job.style_id)
                if painting is None:
                    raise FacestyleError(f"the gallery has no painting '{job.style_id}' any more; pick another")
                style = painting.read_bytes()
            options = dict(job.options)
            medium = options.pop("medium", None)
            if medium is not None:
                result = self._draw(job, medium, options, reporter)
            else:
                result = self.engine(
                    self.files.path(job.id, JobFiles.CONTENT),
                    style,
                    progress=reporter,
                    device=self.device,
                    fast_preview=True,  # a picture within a second, painted over as the optimisation runs
                    **options,
                )
        except ServerStopping:
            self.store.requeue(job.id)
            return
        except Cancelled:
            self.store.finish(job.id, CANCELLED, error="cancelled on request", seconds=_since(started))
        except FacestyleError as error:
            self.store.finish(job.id, FAILED, error=str(error), seconds=_since(started))
        except Exception as error:
            log.exception("job %s failed", job.id)
            self.store.finish(
                job.id,
                FAILED,
                error=f"internal error ({type(error).__name__}: {error}); see the server's log",
                seconds=_since(started),
            )
        else:
            self._save(job, result, started)
        finally:
            self.cancels.clear(job.id)
        if self.store.get(job.id) is None:
            self.files.remove(job.id)  # Deleted while it ran: drop whatever was written since.

    def _draw(self, job: Job, medium: str, options: dict[str, Any], reporter: Any) -> Result:
        """A drawing job: the classical rendering for the fast quality, else the full drawing, which
        reports the classical one first."""
        quality = "fast" if options.pop("method", None) == "fast" else "full"
        return self.drawer(self.files.path(job.id, JobFiles.CONTENT), medium=medium, quality=quality,
                           progress=reporter, device=self.device, **options)

    def _save(self, job: Job, result: Result, started: float) -> None:
        try:
            save_image(result.image, self.files.path(job.id, JobFiles.RESULT), metadata=result.metadata())
        except FacestyleError as error:  # OutputError: the folder went away (deleted) or the disk is full
            self.store.finish(job.id, FAILED, error=str(error), seconds=_since(started))
            return
        self.write_preview(job.id, result.image)
        self.store.finish(job.id, DONE, seconds=_since(started))

    def write_preview(self, job_id: str, image: Image.Image) -> bool:
        return self.files.write_atomic(job_id, JobFiles.PREVIEW, preview_jpeg(image, self.preview_size))

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()


def preview_jpeg(image: Image.Image, size: int) -> bytes:
    """The small JPEG the page shows while a job paints."""
    preview = image.convert("RGB")
    preview.thumbnail((size, size), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    preview.save(out, format="JPEG", quality=80)
    return out.getvalue()


class ProgressReporter:
    """The progress callback of one run: stores progress, writes previews, raises to cancel.

    ``worker`` gives ``store``, ``preview_seconds`` and ``write_preview``; :meth:`check` and
    :meth:`record` are where cluster mode adds its lease.
    """

    # At most this often a progress row is written; the page polls twice a second at most.
    ROW_SECONDS = 0.2

    def __init__(self, worker: Worker, job_id: str):
        self.worker = worker
        self.job_id = job_id
        self.last_row = float("-inf")
        self.last_preview = float("-inf")
        self.fast_picture_shown = False

    def check(self) -> None:
        """Raise to stop the run before the next step."""
        if self.worker.stopping:
            raise ServerStopping("the studio is stopping")
        if self.worker.cancels.is_set(self.job_id):
            raise Cancelled("cancelled on request")

    def record(self, event: Progress, new_preview: bool) -> None:
        self.worker.store.record_progress(
            self.job_id, step=event.step, total_steps=event.total_steps, costs=event.costs, new_preview=new_preview,
            stage=stage_of(event),
        )

    def __call__(self, event: Progress) -> None:
        self.check()
        now = time.monotonic()
        last_step = event.step >= event.total_steps
        new_preview = False
        # The fast picture (step 0) stays up while the coarse scales paint small, blurred
        # versions; the finest scale then paints over it.
        self.fast_picture_shown |= event.step == 0
        coarse = self.fast_picture_shown and event.step > 0 and event.scale < event.scales - 1
        if not coarse and (now - self.last_preview >= self.worker.preview_seconds or last_step):
            new_preview = self.worker.write_preview(self.job_id, event.image())
            self.last_preview = now
        if new_preview or last_step or now - self.last_row >= self.ROW_SECONDS:
            self.record(event, new_preview)
            self.last_row = now


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)
