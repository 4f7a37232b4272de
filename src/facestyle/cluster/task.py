"""The Celery task: paint one job, by id, with this worker process's context."""

from __future__ import annotations

from facestyle.cluster.runner import WorkerContext, run_job

_context: WorkerContext | None = None


def install(context: WorkerContext) -> None:
    """Give this process's task its store, images, device and engine (the worker does this at start)."""
    global _context
    _context = context


def paint(job_id: str) -> str:
    """Run one job under its lease; a duplicate or stale delivery returns without painting."""
    if _context is None:
        raise RuntimeError("facestyle.paint runs only in a process started by 'facestyle worker'")
    return run_job(_context, job_id)
