"""Jobs: submit a portrait, look at it, fetch its preview and result, cancel it, delete it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from facestyle.web import presets
from facestyle.web.errors import (
    ApiError,
    Conflict,
    NotFound,
    Unprocessable,
    UnsupportedMedia,
)
from facestyle.web.files import JobFiles
from facestyle.web.jobs import DONE
from facestyle.web.prints import check_photo_allows
from facestyle.web.routes.common import ERRORS, StudioDep, view
from facestyle.web.routes.styles import find_painting
from facestyle.web.schemas import Deleted, JobView
from facestyle.web.studio import Studio
from facestyle.web.uploads import check_declared_type, read_limited, sniff_image

#: Multipart fields that name the job's inputs rather than stylisation options.
INPUT_FIELDS = ("content", "style", "style_id", "from_job")

#: The job form for the OpenAPI page: the route reads the form itself, so FastAPI cannot infer it.
JOB_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "content": {"type": "string", "format": "binary",
                                    "description": "the face photo (or use from_job)"},
                        "from_job": {"type": "string", "description": "reuse this earlier job's photo, and its "
                                     "painting unless style or style_id is sent; instead of content"},
                        "style": {"type": "string", "format": "binary", "description": "a painting (or use style_id)"},
                        "style_id": {"type": "string", "description": "a gallery slug from GET /api/styles"},
                        "quality": {"type": "string", "enum": list(presets.QUALITY_PRESETS),
                                    "default": presets.DEFAULT_QUALITY},
                        "method": {"type": "string", "description": "overrides the quality's method"},
                        "size": {"type": "integer", "description": "long side of the result in pixels"},
                        "steps": {"type": "integer", "description": "optimisation steps (Gatys)"},
                        "seed": {"type": "integer"},
                    },
                    "additionalProperties": {
                        "type": "string",
                        "description": "extra controls listed by GET /api/options (e.g. face_protect)",
                    },
                }
            }
        },
    }
}

router = APIRouter(tags=["jobs"], responses=ERRORS)


@router.post("/api/jobs", status_code=202, response_model=JobView, openapi_extra=JOB_FORM)
async def create_job(request: Request, studio: StudioDep) -> JSONResponse:
    """Queue a portrait: multipart `content` (the photo) and `style` (a file) or `style_id`.

    `from_job=<id>` instead of `content` reuses an earlier job's photo, and its painting unless
    `style` or `style_id` is sent: no upload, for a re-render with other options.
    Options: `quality` (fast, balanced, best), and overrides such as `method`, `size`,
    `steps`, `seed` and the extra controls of `GET /api/options`. Answers 202 with the job;
    404 when `from_job` is unknown or expired; 503 with `{"error": "busy"}` when the queue is full.
    """
    declared = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if declared != "multipart/form-data":
        raise UnsupportedMedia("send the job as multipart/form-data (e.g. curl -F content=@photo.jpg ...)")
    form = await request.form(max_files=2, max_fields=32, max_part_size=64 * 1024)
    try:
        inputs, fields = _split_form(form)
        if inputs.from_job is not None:
            studio.reusable_job(inputs.from_job)  # 404 before any decoding
        quality, options = presets.parse_options(fields, studio.config)
        painting = find_painting(inputs.style_id, status=422) if inputs.style_id is not None else None
        studio.ensure_capacity()
        content = await _read_image(inputs.content, "photo", studio) if inputs.content is not None else None
        style = await _read_image(inputs.style, "style image", studio) if inputs.style is not None else None
        source = studio.reusable_job(str(inputs.from_job)) if content is None else None
        photo = content.size if content is not None else await run_in_threadpool(studio.photo_size, source)
        if photo is not None:
            check_photo_allows(options, photo)  # in the studio's words, before the job is queued
        chosen = {"quality": quality, "options": options, "style": style, "style_id": painting.id if painting else None}
        if content is None:  # _split_form made sure that from_job is given instead
            job = await run_in_threadpool(studio.submit_from, inputs.from_job, **chosen)
        else:
            job = await run_in_threadpool(studio.submit, content, **chosen)
    finally:
        await form.close()
    return JSONResponse(view(studio, job), status_code=202, headers={"Location": f"/api/jobs/{job.id}"})


@router.get("/api/jobs/{job_id}", response_model=JobView)
def get_job(job_id: str, studio: StudioDep) -> dict[str, Any]:
    """Status, progress, costs and error of a job."""
    return view(studio, studio.job(job_id))


@router.get("/api/jobs/{job_id}/preview")
def job_preview(job_id: str, studio: StudioDep) -> Response:
    """The latest intermediate image (JPEG, small); the final image once done."""
    job = studio.job(job_id)
    # Read once, not FileResponse: the worker replaces the preview every half second, and
    # FileResponse would take the size from one file and the bytes from the next, which the
    # browser refuses (ERR_CONTENT_LENGTH_MISMATCH).
    data = studio.read_file(job, JobFiles.PREVIEW)
    if data is None:
        raise NotFound("no preview yet; the first one appears after the first step")
    return Response(content=data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})


@router.get("/api/jobs/{job_id}/result")
def job_result(job_id: str, studio: StudioDep, download: bool = False) -> Response:
    """The finished portrait (PNG, no EXIF or GPS; facestyle's settings in a text chunk)."""
    job = studio.job(job_id)
    if job.status != DONE:
        raise Conflict(f"the job is {job.status}, so there is no result; wait until its status is done")
    data = studio.read_file(job, studio.result_name(job))
    if data is None:
        raise NotFound("the result has gone (deleted or past retention)")
    disposition = "attachment" if download else "inline"
    return Response(
        content=data,
        media_type="image/png",
        headers={"Content-Disposition": f'{disposition}; filename="facestyle-{job.id[:8]}.png"'},
    )


@router.post("/api/jobs/{job_id}/cancel", response_model=JobView)
def cancel_job(job_id: str, studio: StudioDep) -> dict[str, Any]:
    """Stop a waiting or running job but keep its record; a finished job is left as it is."""
    return view(studio, studio.cancel(job_id))


@router.delete("/api/jobs/{job_id}", response_model=Deleted)
def delete_job(job_id: str, studio: StudioDep) -> dict[str, Any]:
    """Cancel the job if it is still going, then delete it with its photo, painting and result."""
    studio.delete(job_id)
    return {"id": job_id, "deleted": True}


@dataclass(frozen=True)
class _Inputs:
    """The images a job form names: a photo upload or an earlier job, and a painting (file or gallery id)."""

    content: UploadFile | None
    from_job: str | None
    style: UploadFile | None
    style_id: str | None


def _split_form(form: Any) -> tuple[_Inputs, dict[str, str]]:
    """Pick the photo (or earlier job), the style (file or gallery id) and the option fields out of the form."""
    content = _file_field(form, "content")
    if content is not None and not isinstance(content, UploadFile):
        raise ApiError("'content' must be the photo file (curl -F content=@photo.jpg)")
    from_job = form.get("from_job") or None
    if from_job is not None and not isinstance(from_job, str):
        raise ApiError("'from_job' must be the id of an earlier job, not a file")
    if from_job is not None and content is not None:
        raise Unprocessable("send either a 'content' photo or 'from_job', not both")
    if from_job is None and content is None:
        raise ApiError(
            "send the face photo as a file field named 'content' (curl -F content=@photo.jpg), "
            "or from_job=<id> to reuse an earlier job's"
        )
    style = _file_field(form, "style")
    if style is not None and not isinstance(style, UploadFile):
        raise ApiError("'style' must be a file; to use a gallery painting send style_id instead")
    style_id = form.get("style_id") or None
    if style_id is not None and not isinstance(style_id, str):
        raise ApiError("'style_id' must be a gallery slug such as starry-night, not a file")
    if style is not None and style_id is not None:
        raise ApiError("send only one of 'style' (a painting file) or 'style_id' (see GET /api/styles)")
    if from_job is None and style is None and style_id is None:
        raise ApiError("send exactly one of 'style' (a painting file) or 'style_id' (see GET /api/styles)")
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if name in INPUT_FIELDS:
            continue
        if isinstance(value, UploadFile):
            raise ApiError(f"'{name}' must be a plain value, not a file")
        fields[name] = value
    return _Inputs(content, from_job, style, style_id), fields


def _file_field(form: Any, name: str) -> Any:
    """The form's field ``name``; None when absent or an HTML form's empty file input."""
    value = form.get(name)
    if isinstance(value, UploadFile) and not value.filename and not value.size:
        return None
    return value


async def _read_image(part: UploadFile, what: str, studio: Studio) -> Any:
    """Check, read and decode one uploaded image within the studio's limits, off the event loop."""
    config = studio.config
    check_declared_type(part.content_type, what=what)
    data = await read_limited(part, limit=config.max_upload_bytes, what=what)

    def decode() -> Any:
        # Decoding takes memory in proportion to the pixels, so the studio bounds how many run at once.
        with studio.decoding:
            return sniff_image(data, what=what, max_pixels=config.max_upload_pixels)

    return await run_in_threadpool(decode)
