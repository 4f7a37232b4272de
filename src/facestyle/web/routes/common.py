"""What the route modules share: the app's studio, the refusals the API documents, the job as shown."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from facestyle.web.jobs import Job
from facestyle.web.schemas import ErrorBody, job_view
from facestyle.web.studio import Studio

#: The refusals a job route may answer, listed on the OpenAPI page; each body is {"error": "..."}.
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 404, 409, 413, 415, 422, 503)
}


async def get_studio(request: Request) -> Studio:
    """The studio that create_app put on the app; async, so that it takes no thread from the pool."""
    return request.app.state.studio


#: A route parameter that receives the app's studio.
StudioDep = Annotated[Studio, Depends(get_studio)]


def view(studio: Studio, job: Job) -> dict[str, Any]:
    """The job as the API shows it, with its place in the queue."""
    return job_view(job, queue_position=studio.queue_position(job), print_size=studio.print_size(job))
