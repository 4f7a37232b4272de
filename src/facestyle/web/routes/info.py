"""What the studio is and offers: its health, and the options and limits the page builds its form from."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from facestyle import __version__
from facestyle.web import presets
from facestyle.web.routes.common import StudioDep
from facestyle.web.schemas import Health

router = APIRouter(tags=["studio"])


@router.get("/api/health", response_model=Health)
def health(studio: StudioDep) -> dict[str, Any]:
    """Is the studio up, which painters are live on which devices, and how full is its queue."""
    config = studio.config
    return {
        "status": "ok",
        "version": __version__,
        "mode": studio.mode,
        "devices": list(studio.devices),
        "workers": studio.live_workers(),
        "queued": studio.store.count("queued"),
        "running": studio.store.count("running"),
        "queue_limit": config.queue_limit,
        "retention_hours": config.retention_hours,
    }


@router.get("/api/options")
def options(studio: StudioDep) -> dict[str, Any]:
    """The quality presets, the extra controls the engine offers, and the studio's limits."""
    config = studio.config
    return {
        **presets.describe(),
        "limits": {
            "max_upload_bytes": config.max_upload_bytes,
            "max_upload_pixels": config.max_upload_pixels,
            "max_size": config.max_size,
            "print_size": config.print_size,
            "max_steps": config.max_steps,
            "queue_limit": config.queue_limit,
        },
        "retention_hours": config.retention_hours,
    }
