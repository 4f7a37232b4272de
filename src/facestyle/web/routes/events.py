"""A job's progress as server-sent events, which the page follows instead of polling."""

from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from facestyle.web.errors import NotFound
from facestyle.web.jobs import FINISHED
from facestyle.web.routes.common import ERRORS, StudioDep, view
from facestyle.web.studio import Studio

#: Seconds between two looks at a job while streaming its progress, and between keep-alives.
EVENT_POLL = 0.25
KEEP_ALIVE = 15.0
#: While a job's first picture is due (it runs and has none yet, or it is next in line and has
#: waited under FIRST_PICTURE_WAIT), the stream looks this often: a fast picture takes about 0.2 s,
#: and at EVENT_POLL the page saw it up to a quarter of a second late
#: (BENCHMARKS.md#studio-latency). A job next in line behind a long run is looked at as others.
FIRST_PICTURE_POLL = 0.05
FIRST_PICTURE_WAIT = 1.0

router = APIRouter(tags=["jobs"], responses=ERRORS)


@router.get("/api/jobs/{job_id}/events")
async def job_events(job_id: str, studio: StudioDep) -> StreamingResponse:
    """Server-sent events: the job (as in `GET /api/jobs/{id}`) each time it changes, until it ends."""
    studio.job(job_id)
    return StreamingResponse(
        _stream(studio, job_id),
        media_type="text/event-stream",
        # No caching, and no buffering in a reverse proxy, so that each event arrives as it is sent.
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _stream(studio: Studio, job_id: str) -> AsyncIterator[str]:
    """Send the job whenever it changes and a keep-alive when it has not for a while; end with the job."""
    # A closed connection ends this generator: Starlette cancels it or the next send fails.
    # A browser that loses the stream reconnects after two seconds.
    yield "retry: 2000\n\n"
    last, quiet, waited = "", 0.0, 0.0
    while True:
        job = await run_in_threadpool(_snapshot, studio, job_id)
        if job is None:
            yield f"data: {json.dumps({'id': job_id, 'status': 'deleted'})}\n\n"
            return
        text = json.dumps(job)
        if text != last:
            yield f"data: {text}\n\n"
            last, quiet = text, 0.0
        elif quiet >= KEEP_ALIVE:
            yield ": keep-alive\n\n"
            quiet = 0.0
        if job["status"] in FINISHED or studio.closing.is_set():
            return
        interval = poll_interval(job, waited)
        await asyncio.sleep(interval)
        quiet += interval
        waited += interval if job["status"] == "queued" else 0.0


def poll_interval(job: dict[str, Any], waited: float = 0.0) -> float:
    """Seconds until the stream looks at ``job`` (as the API shows it) again; ``waited``: seconds
    it has watched the job wait in the queue."""
    if job["preview_version"] > 0:
        return EVENT_POLL
    starting = job["queue_position"] == 0 and waited < FIRST_PICTURE_WAIT
    return FIRST_PICTURE_POLL if job["status"] == "running" or starting else EVENT_POLL


def _snapshot(studio: Studio, job_id: str) -> dict[str, Any] | None:
    """The job as the API shows it, or None once it has been deleted."""
    try:
        return view(studio, studio.job(job_id))
    except NotFound:
        return None
