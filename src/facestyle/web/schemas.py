"""The JSON shapes of the HTTP API, as pydantic models so the OpenAPI page documents them."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel, Field

from facestyle.web.jobs import Job


class ErrorBody(BaseModel):
    error: str = Field(description="One line saying what went wrong and what to do; 'busy' when the queue is full.")
    message: str | None = Field(None, description="With 'busy': the explanation.")
    retry_after: int | None = Field(None, description="With 'busy': seconds to wait before trying again.")


class Health(BaseModel):
    status: str = "ok"
    version: str
    mode: str = Field(description="embedded (painting in the server) or cluster (remote workers)")
    devices: list[str]
    workers: list[dict[str, Any]] = Field(description="The live painters: name, device, the job each paints")
    queued: int
    running: int
    queue_limit: int
    retention_hours: float


class Style(BaseModel):
    id: str = Field(description="Fixed slug; send it as style_id.")
    title: str
    artist: str
    year: str
    kind: str = Field(description="portrait, drawing or scene")
    image_url: str
    thumbnail_url: str


class StyleList(BaseModel):
    styles: list[Style]


class Progress(BaseModel):
    step: int
    total_steps: int
    fraction: float = Field(description="0 to 1; 1 once the job is done")
    scale: int | None = Field(None, description="The scale being painted, from 1 (coarse to fine), once running")
    scales: int | None = Field(None, description="How many scales the run paints")
    width: int | None = Field(None, description="Width of the picture at the scale being painted")
    height: int | None = Field(None, description="Height of the picture at the scale being painted")
    eta_seconds: float | None = Field(None, description="Seconds left at most, once a step has been timed")


class JobLinks(BaseModel):
    self: str
    events: str
    preview: str
    result: str


class JobView(BaseModel):
    id: str = Field(description="Unguessable job id (128 random bits)")
    status: str = Field(description="queued, running, done, failed or cancelled")
    quality: str
    style_id: str | None = Field(description="Gallery slug, or null for an uploaded style")
    options: dict[str, Any] = Field(description="The settings overrides the job runs with")
    created: datetime
    started: datetime | None
    finished: datetime | None
    queue_position: int | None = Field(description="Jobs ahead of this one while it waits")
    progress: Progress
    costs: dict[str, float | None] = Field(description="Costs of the last step (total, content, style, ...)")
    error: str | None
    seconds: float | None = Field(description="Run time once finished")
    device: str | None
    preview_version: int = Field(description="Grows each time a new preview image is written")
    print_size: int = Field(description="The largest print of this job's photo: the studio's print size, or less "
                            "for a small photo; 0 when the studio offers none")
    links: JobLinks


class Deleted(BaseModel):
    id: str
    deleted: bool = True


def job_view(job: Job, *, queue_position: int | None, print_size: int = 0) -> dict[str, Any]:
    """A :class:`JobView` as a plain dict (also what the progress events carry)."""
    base = f"/api/jobs/{job.id}"
    fraction = 1.0 if job.status == "done" else (job.step / job.total_steps if job.total_steps else 0.0)
    return {
        "id": job.id,
        "status": job.status,
        "quality": job.quality,
        "style_id": job.style_id,
        "options": job.options,
        "created": _iso(job.created),
        "started": _iso(job.started),
        "finished": _iso(job.finished),
        "queue_position": queue_position,
        "progress": {"step": job.step, "total_steps": job.total_steps, "fraction": round(fraction, 4),
                     **_stage(job)},
        # JSON has no NaN or infinity; a diverged run shows null instead.
        "costs": {name: (value if math.isfinite(value) else None) for name, value in job.costs.items()},
        "error": job.error,
        "seconds": job.seconds,
        "device": job.device,
        "preview_version": job.preview_version,
        "print_size": print_size,
        "links": {
            "self": base,
            "events": f"{base}/events",
            "preview": f"{base}/preview",
            "result": f"{base}/result",
        },
    }


def _stage(job: Job) -> dict[str, Any]:
    """The scale being painted and the time left, while the job runs (null otherwise)."""
    stage = job.stage if job.status == "running" else {}
    return {"scale": stage.get("scale"), "scales": stage.get("scales"), "width": stage.get("width"),
            "height": stage.get("height"), "eta_seconds": stage.get("eta")}


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, tz=timezone.utc).isoformat(timespec="seconds")
