"""The HTTP routes: the page, the gallery, the job API and its progress events.

Every refusal is JSON ``{"error": "<one line saying what to do>"}`` with a fitting status: 400
malformed request, 403 cross-site, 404 unknown id, 409 not ready, 413 too large, 415 not an
image, 422 bad option or unreadable image, 503 busy. The OpenAPI page at ``/docs`` is served
from local files like everything else.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, AsyncIterator

import swagger_ui_bundle
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    Response,
    StreamingResponse,
)
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from facestyle import __version__
from facestyle.engine import stylize
from facestyle.errors import FacestyleError
from facestyle.web import gallery, presets
from facestyle.web.config import MEGABYTE, StudioConfig
from facestyle.web.errors import ApiError, Conflict, NotFound, UnsupportedMedia
from facestyle.web.files import JobFiles
from facestyle.web.guards import BodyLimit, HostGuard, SecurityHeaders
from facestyle.web.schemas import (
    Deleted,
    ErrorBody,
    Health,
    JobView,
    StyleList,
    job_view,
)
from facestyle.web.store import DONE, FINISHED, Job
from facestyle.web.studio import Studio
from facestyle.web.uploads import check_declared_type, read_limited, sniff_image
from facestyle.web.worker import Engine

log = logging.getLogger("facestyle.web")

STATIC = Path(str(resources.files(__package__).joinpath("static")))
#: Multipart fields that are not stylisation options.
FILE_FIELDS = ("content", "style", "style_id")
#: Seconds between two looks at a job while streaming its progress, and between keep-alives.
EVENT_POLL = 0.25
KEEP_ALIVE = 15.0

ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 404, 409, 413, 415, 422, 503)
}

_JOB_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["content"],
                    "properties": {
                        "content": {"type": "string", "format": "binary", "description": "the face photo"},
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


def create_app(config: StudioConfig, *, engine: Engine = stylize) -> FastAPI:
    """The studio as an ASGI app. The job workers run from startup to shutdown of the app."""
    studio = Studio(config, engine=engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        studio.start()
        try:
            yield
        finally:
            await run_in_threadpool(studio.stop)

    app = FastAPI(
        title="facestyle studio",
        version=__version__,
        description=(
            "Paint a face photo in the style of a painting, on this machine. Submit a job with "
            "`POST /api/jobs`, follow it with `GET /api/jobs/{id}` (or its `events` stream), then "
            "fetch `GET /api/jobs/{id}/result`. Uploads and results are deleted after "
            f"{config.retention_hours:g} h."
        ),
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.studio = studio
    # Two images at the upload limit plus the small option fields.
    app.add_middleware(BodyLimit, max_bytes=2 * config.max_upload_bytes + MEGABYTE)
    app.add_middleware(HostGuard, allowed_hosts=config.allowed_hosts)
    app.add_middleware(SecurityHeaders)
    _add_error_handlers(app)
    _add_page_routes(app)
    _add_api_routes(app, studio)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.status, headers=error.headers)

    @app.exception_handler(FacestyleError)
    async def facestyle_error(request: Request, error: FacestyleError) -> JSONResponse:
        return JSONResponse({"error": str(error)}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        parts = [f"{'.'.join(str(p) for p in item.get('loc', ()))}: {item.get('msg')}" for item in error.errors()]
        return JSONResponse({"error": "; ".join(parts) or "invalid request"}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
        return JSONResponse({"error": "internal error in the studio; see its log"}, status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        messages = {
            404: "no such page or API endpoint; see /docs for the API",
            405: f"{request.method} is not allowed here; see /docs for the API",
        }
        message = messages.get(error.status_code, str(error.detail))
        return JSONResponse({"error": message}, status_code=error.status_code, headers=error.headers)


def _add_page_routes(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> FileResponse:
        return FileResponse(STATIC / "icon.svg", media_type="image/svg+xml")

    app.mount("/docs-assets", StaticFiles(directory=str(swagger_ui_bundle.swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="facestyle studio API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/static/icon.svg",
            oauth2_redirect_url=None,
        )


def _add_api_routes(app: FastAPI, studio: Studio) -> None:
    config = studio.config

    def view(job: Job) -> dict[str, Any]:
        return job_view(job, queue_position=studio.queue_position(job))

    @app.get("/api/health", response_model=Health, tags=["studio"])
    def health() -> dict[str, Any]:
        """Is the studio up, on which devices, and how full is its queue."""
        return {
            "status": "ok",
            "version": __version__,
            "devices": list(studio.devices),
            "queued": studio.store.count("queued"),
            "running": studio.store.count("running"),
            "queue_limit": config.queue_limit,
            "retention_hours": config.retention_hours,
        }

    @app.get("/api/options", tags=["studio"])
    def options() -> dict[str, Any]:
        """The quality presets, the extra controls the engine offers, and the studio's limits."""
        return {
            **presets.describe(),
            "limits": {
                "max_upload_bytes": config.max_upload_bytes,
                "max_upload_pixels": config.max_upload_pixels,
                "max_size": config.max_size,
                "max_steps": config.max_steps,
                "queue_limit": config.queue_limit,
            },
            "retention_hours": config.retention_hours,
        }

    @app.get("/api/styles", response_model=StyleList, tags=["gallery"])
    def styles() -> dict[str, Any]:
        """The bundled paintings; send one's `id` as `style_id`."""
        return {"styles": [painting.to_dict() for painting in gallery.PAINTINGS]}

    @app.get("/api/styles/{style_id}/image", tags=["gallery"], responses={404: {"model": ErrorBody}})
    def style_image(style_id: str) -> Response:
        """The painting itself (JPEG, at most 640 px on the long side)."""
        painting = _painting(style_id)
        return Response(painting.read_bytes(), media_type="image/jpeg", headers={"Cache-Control": "max-age=86400"})

    @app.get("/api/styles/{style_id}/thumbnail", tags=["gallery"], responses={404: {"model": ErrorBody}})
    def style_thumbnail(style_id: str) -> Response:
        """A small JPEG of the painting for the gallery."""
        painting = _painting(style_id)
        return Response(
            gallery.thumbnail(painting.id), media_type="image/jpeg", headers={"Cache-Control": "max-age=86400"}
        )

    @app.post(
        "/api/jobs",
        status_code=202,
        response_model=JobView,
        responses=ERRORS,
        openapi_extra=_JOB_FORM,
        tags=["jobs"],
    )
    async def create_job(request: Request) -> JSONResponse:
        """Queue a portrait: multipart `content` (the photo) and `style` (a file) or `style_id`.

        Options: `quality` (fast, balanced, best), and overrides such as `method`, `size`,
        `steps`, `seed` and the extra controls of `GET /api/options`. Answers 202 with the job;
        503 with `{"error": "busy"}` when the queue is full.
        """
        declared = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
        if declared != "multipart/form-data":
            raise UnsupportedMedia("send the job as multipart/form-data (e.g. curl -F content=@photo.jpg ...)")
        form = await request.form(max_files=2, max_fields=32, max_part_size=64 * 1024)
        try:
            content_part, style_part, style_id, fields = _split_form(form)
            quality, options = presets.parse_options(fields, config)
            painting = _painting(style_id, status=422) if style_id is not None else None
            studio.ensure_capacity()
            content = await _read_image(content_part, "photo", studio)
            style = await _read_image(style_part, "style image", studio) if style_part is not None else None
            job = await run_in_threadpool(
                studio.submit,
                content,
                quality=quality,
                options=options,
                style=style,
                style_id=painting.id if painting else None,
            )
        finally:
            await form.close()
        return JSONResponse(view(job), status_code=202, headers={"Location": f"/api/jobs/{job.id}"})

    @app.get("/api/jobs/{job_id}", response_model=JobView, responses=ERRORS, tags=["jobs"])
    def get_job(job_id: str) -> dict[str, Any]:
        """Status, progress, costs and error of a job."""
        return view(studio.job(job_id))

    @app.get("/api/jobs/{job_id}/events", responses=ERRORS, tags=["jobs"])
    async def job_events(job_id: str) -> StreamingResponse:
        """Server-sent events: the job (as in `GET /api/jobs/{id}`) each time it changes, until it ends."""
        studio.job(job_id)

        def snapshot() -> dict[str, Any] | None:
            try:
                return view(studio.job(job_id))
            except NotFound:
                return None

        async def stream() -> AsyncIterator[str]:
            # A closed connection ends this generator: Starlette cancels it or the next send fails.
            yield "retry: 2000\n\n"
            last, quiet = "", 0.0
            while True:
                job = await run_in_threadpool(snapshot)
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
                await asyncio.sleep(EVENT_POLL)
                quiet += EVENT_POLL

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        )

    @app.get("/api/jobs/{job_id}/preview", responses=ERRORS, tags=["jobs"])
    def job_preview(job_id: str) -> Response:
        """The latest intermediate image (JPEG, small); the final image once done."""
        job = studio.job(job_id)
        path = studio.files.path(job.id, JobFiles.PREVIEW)
        try:
            # Read once, not FileResponse: the worker replaces the preview every half second, and
            # FileResponse takes the size from one file and the bytes from the next
            # (ERR_CONTENT_LENGTH_MISMATCH in the browser test).
            data = path.read_bytes()
        except FileNotFoundError:
            raise NotFound("no preview yet; the first one appears after the first step") from None
        return Response(content=data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})

    @app.get("/api/jobs/{job_id}/result", responses=ERRORS, tags=["jobs"])
    def job_result(job_id: str, download: bool = False) -> FileResponse:
        """The finished portrait (PNG, no EXIF or GPS; facestyle's settings in a text chunk)."""
        job = studio.job(job_id)
        if job.status != DONE:
            raise Conflict(f"the job is {job.status}, so there is no result; wait until its status is done")
        return FileResponse(
            studio.files.path(job.id, JobFiles.RESULT),
            media_type="image/png",
            filename=f"facestyle-{job.id[:8]}.png",
            content_disposition_type="attachment" if download else "inline",
        )

    @app.post("/api/jobs/{job_id}/cancel", response_model=JobView, responses=ERRORS, tags=["jobs"])
    def cancel_job(job_id: str) -> dict[str, Any]:
        """Stop a waiting or running job but keep its record; a finished job is left as it is."""
        return view(studio.cancel(job_id))

    @app.delete("/api/jobs/{job_id}", response_model=Deleted, responses=ERRORS, tags=["jobs"])
    def delete_job(job_id: str) -> dict[str, Any]:
        """Cancel the job if it is still going, then delete it with its photo, painting and result."""
        studio.delete(job_id)
        return {"id": job_id, "deleted": True}


def _painting(style_id: str, *, status: int = 404) -> gallery.Painting:
    painting = gallery.find(style_id)
    if painting is None:
        ids = ", ".join(p.id for p in gallery.PAINTINGS)
        raise ApiError(f"the gallery has no painting '{style_id}'; choose one of {ids}", status=status)
    return painting


def _split_form(form: Any) -> tuple[UploadFile, UploadFile | None, str | None, dict[str, str]]:
    """Pick the photo, the style (file or gallery id) and the option fields out of the form."""
    content = form.get("content")
    if not isinstance(content, UploadFile):
        raise ApiError("send the face photo as a file field named 'content' (curl -F content=@photo.jpg)")
    style = form.get("style")
    if isinstance(style, UploadFile) and not style.filename and not style.size:
        style = None  # An empty file input of an HTML form.
    if style is not None and not isinstance(style, UploadFile):
        raise ApiError("'style' must be a file; to use a gallery painting send style_id instead")
    style_id = form.get("style_id") or None
    if style_id is not None and not isinstance(style_id, str):
        raise ApiError("'style_id' must be a gallery slug such as starry-night, not a file")
    if (style is None) == (style_id is None):
        raise ApiError("send exactly one of 'style' (a painting file) or 'style_id' (see GET /api/styles)")
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if name in FILE_FIELDS:
            continue
        if isinstance(value, UploadFile):
            raise ApiError(f"'{name}' must be a plain value, not a file")
        fields[name] = value
    return content, style, style_id, fields


async def _read_image(part: UploadFile, what: str, studio: Studio) -> Any:
    config = studio.config
    check_declared_type(part.content_type, what=what)
    data = await read_limited(part, limit=config.max_upload_bytes, what=what)

    def decode() -> Any:
        with studio.decoding:
            return sniff_image(data, what=what, max_pixels=config.max_upload_pixels)

    return await run_in_threadpool(decode)

