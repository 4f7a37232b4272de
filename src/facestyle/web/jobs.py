"""The job model both modes share: the states, the job record, and the store interface.

The embedded studio keeps jobs in SQLite (:mod:`facestyle.web.store`); cluster mode keeps them in
Redis (:mod:`facestyle.cluster.redis_store`). Both pass the same contract tests, so the routes and
the page see one job model whichever mode runs. A job moves ``queued → running → done | failed |
cancelled`` (or ``queued → cancelled``); each transition is guarded by the state it leaves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
STATUSES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
FINISHED = (DONE, FAILED, CANCELLED)


@dataclass(frozen=True)
class Job:
    """One job record. Times are Unix seconds."""

    id: str
    status: str
    created: float
    quality: str
    options: dict[str, Any]
    style_id: str | None = None
    started: float | None = None
    finished: float | None = None
    step: int = 0
    total_steps: int = 0
    costs: dict[str, float] = field(default_factory=dict)
    #: Where the run is, as :func:`stage_of` reports it (empty until the first step).
    stage: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    attempts: int = 0
    device: str | None = None
    seconds: float | None = None
    preview_version: int = 0

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED


class QueueFull(Exception):
    """``add`` found ``limit`` jobs already waiting."""


def stage_of(event: Any) -> dict[str, Any]:
    """The scale a progress event (:class:`facestyle.events.Progress`) paints, as a job stores it:
    ``scale`` (from 1) of ``scales``, its ``width`` and ``height``, and ``eta``, the seconds left at
    most (None until a step has been timed) — what the command line's progress bar shows."""
    width, height = event.size
    eta = None if event.eta is None else round(float(event.eta), 1)
    return {"scale": event.scale + 1, "scales": event.scales, "width": width, "height": height, "eta": eta}


def crash_reason(attempts: int) -> str:
    """Why a job that stopped its painter ``attempts`` times is failed instead of tried again."""
    return (
        f"the painter stopped {attempts} times while painting this (killed, out of memory or crashed); "
        "start it again, perhaps at a smaller size or the fast quality"
    )


class JobStore(Protocol):
    """What the studio needs of a job store; :class:`facestyle.web.store.SqliteJobStore` and the Redis store."""

    def add(
        self,
        job_id: str,
        *,
        quality: str,
        options: dict[str, Any],
        style_id: str | None,
        limit: int | None = None,
        now: float | None = None,
    ) -> Job:
        """Insert a queued job, unless ``limit`` jobs already wait (then raise :class:`QueueFull`)."""

    def get(self, job_id: str) -> Job | None: ...

    def count(self, status: str) -> int: ...

    def queue_position(self, job: Job) -> int | None:
        """How many waiting jobs are ahead of ``job`` (0: it is next), or None when it is not waiting."""

    def ids_created_before(self, cutoff: float) -> list[str]: ...

    def all_ids(self) -> set[str]: ...

    def claim_next(self, device: str) -> Job | None:
        """Mark the oldest waiting job running on ``device`` and return it, or None if none waits."""

    def record_progress(
        self,
        job_id: str,
        *,
        step: int,
        total_steps: int,
        costs: dict[str, float],
        new_preview: bool = False,
        stage: dict[str, Any] | None = None,
    ) -> None: ...

    def finish(self, job_id: str, status: str, *, error: str | None = None, seconds: float | None = None) -> bool:
        """Move a running job to a finished status; False when it is no longer running."""

    def cancel(self, job_id: str) -> bool:
        """Cancel a waiting or running job; False when it had already finished or is gone."""

    def requeue(self, job_id: str) -> bool:
        """Put a running job back in the queue without counting the try (a graceful stop)."""

    def delete(self, job_id: str) -> bool: ...

    def recover(self, *, max_attempts: int) -> tuple[list[str], list[str]]:
        """Queue again, or fail after ``max_attempts`` tries, jobs whose painter has gone; (again, failed)."""

    def close(self) -> None: ...
