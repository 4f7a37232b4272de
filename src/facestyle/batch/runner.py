"""Who paints a batch's photos: a small interface, and the in-process runner that is the default.

A runner takes the photos that still need painting and yields each one's outcome as it finishes;
the batch itself (:mod:`facestyle.batch.folder`) decides what is done, writes the outputs and the
summary. A runner that sends the photos to other machines plugs in behind the same interface.

The in-process runner paints one photo at a time with all of the process's cores, while a reader
thread loads and checks the next photos (at most ``in_flight - 1`` ahead), so a slow disk or a
broken file never holds up the painting.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol, Sequence

from PIL import Image

from facestyle.batch.plan import PhotoJob
from facestyle.errors import FacestyleError
from facestyle.events import Progress

#: Called with the job being painted and each of its progress events.
StepCallback = Callable[[PhotoJob, Progress], Any]


@dataclass
class Painted:
    """How one photo ended: its image, final costs and notes, or the one-line reason it failed."""

    job: PhotoJob
    seconds: float
    image: Image.Image | None = None
    costs: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    error: str | None = None


class Runner(Protocol):
    """Paints photo jobs, a bounded number at a time, and yields each outcome as it finishes."""

    def paint(self, jobs: Sequence[PhotoJob], on_step: StepCallback | None = None) -> Iterator[Painted]:
        """Yield one :class:`Painted` per job, in any order; a photo that fails does not stop the others.

        Stopping early (closing the iterator, or an exception such as KeyboardInterrupt raised
        through it) must leave no job running.
        """
        ...


class InProcessRunner:
    """Paints in this process, one photo at a time, with the next photos read ahead in a thread."""

    def __init__(self, *, in_flight: int = 2, engine: Callable[..., Any] | None = None):
        if in_flight < 1:
            raise ValueError(f"in_flight must be 1 or more, not {in_flight}")
        self.in_flight = in_flight
        self.engine = engine

    def paint(self, jobs: Sequence[PhotoJob], on_step: StepCallback | None = None) -> Iterator[Painted]:
        ready: queue.Queue = queue.Queue(maxsize=max(1, self.in_flight - 1))
        stop = threading.Event()
        reader = threading.Thread(target=_read_ahead, args=(jobs, ready, stop), name="facestyle-batch-reader")
        reader.daemon = True
        reader.start()
        try:
            for _ in jobs:
                job, data, error = ready.get()
                if error is not None:
                    yield Painted(job, 0.0, error=error)
                else:
                    yield self._paint_one(job, data, on_step)
        finally:
            stop.set()
            _drain(ready)
            reader.join(timeout=5.0)

    def _paint_one(self, job: PhotoJob, data: bytes, on_step: StepCallback | None) -> Painted:
        from facestyle.engine import stylize

        engine = self.engine or stylize

        def relay(event: Progress) -> None:
            if on_step is not None:
                on_step(job, event)

        started = time.perf_counter()
        try:
            result = engine(data, list(job.styles), job.settings, progress=relay)
        except FacestyleError as error:
            return Painted(job, time.perf_counter() - started, error=str(error))
        except Exception as error:  # one photo that breaks the engine must not stop the batch
            reason = f"internal error ({type(error).__name__}: {error}); run it alone with 'facestyle run --debug'"
            return Painted(job, time.perf_counter() - started, error=reason)
        return Painted(job, result.seconds, result.image, result.final_costs, result.notes)


def _read_ahead(jobs: Sequence[PhotoJob], ready: queue.Queue, stop: threading.Event) -> None:
    """Read and decode each photo in turn; the bounded queue keeps at most a few in memory."""
    from facestyle.image.io import load_image

    for job in jobs:
        try:
            data = job.photo.read_bytes()
            load_image(data, what=f"photo '{job.name}'")
            item: tuple = (job, data, None)
        except FacestyleError as error:
            item = (job, None, str(error))
        except OSError as error:
            item = (job, None, f"photo '{job.name}' could not be read ({error.strerror or error})")
        except Exception as error:  # the painting thread waits on this queue, so every photo gets an item
            item = (job, None, f"photo '{job.name}' could not be read ({type(error).__name__}: {error})")
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                break
            except queue.Full:
                continue
        if stop.is_set():
            return


def _drain(ready: queue.Queue) -> None:
    while True:
        try:
            ready.get_nowait()
        except queue.Empty:
            return
