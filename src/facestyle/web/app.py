"""The studio as an ASGI app: the workers' lifespan, the guards, the error answers and the routes.

Every refusal is JSON ``{"error": "<one line saying what to do>"}`` with a fitting status: 400
malformed request, 403 cross-site, 404 unknown id, 409 not ready, 413 too large, 415 not an
image, 422 bad option or unreadable image, 503 busy. The routes themselves live in
:mod:`facestyle.web.routes`, one module per resource.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from facestyle import __version__
from facestyle.engine import stylize
from facestyle.errors import FacestyleError
from facestyle.web.config import MEGABYTE, StudioConfig
from facestyle.web.errors import ApiError
from facestyle.web.guards import BodyLimit, HostGuard, SecurityHeaders
from facestyle.web.routes import events, info, jobs, pages, styles
from facestyle.web.studio import Studio
from facestyle.web.worker import Engine

log = logging.getLogger("facestyle.web")


def create_app(config: StudioConfig, *, engine: Engine = stylize, studio: Studio | None = None) -> FastAPI:
    """The studio as an ASGI app. The job workers run from startup to shutdown of the app.

    ``studio`` replaces the embedded one, e.g. with cluster mode's (:mod:`facestyle.cluster.studio`).
    """
    app = FastAPI(
        title="facestyle studio",
        version=__version__,
        description=(
            "Paint a face photo in the style of a painting, on this machine. Submit a job with "
            "`POST /api/jobs`, follow it with `GET /api/jobs/{id}` (or its `events` stream), then "
            "fetch `GET /api/jobs/{id}/result`. Uploads and results are deleted after "
            f"{config.retention_hours:g} h."
        ),
        # The docs page is a route of its own that loads Swagger UI from local files, not a CDN.
        docs_url=None,
        redoc_url=None,
        lifespan=_lifespan,
    )
    # The routes (routes.common.get_studio) and the server's shutdown find the studio here.
    app.state.studio = studio if studio is not None else Studio(config, engine=engine)
    # Two images at the upload limit plus the small option fields.
    app.add_middleware(BodyLimit, max_bytes=2 * config.max_upload_bytes + MEGABYTE)
    app.add_middleware(HostGuard, allowed_hosts=config.allowed_hosts)
    app.add_middleware(SecurityHeaders)
    _add_error_handlers(app)
    pages.mount_assets(app)
    for module in (pages, info, styles, jobs, events):
        app.include_router(module.router)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    studio: Studio = app.state.studio
    studio.start()
    try:
        yield
    finally:
        # Stopping joins the worker threads, which must not block the event loop.
        await run_in_threadpool(studio.stop)


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
