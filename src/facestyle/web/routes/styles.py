"""The gallery of bundled paintings: the list, each painting, and its thumbnail."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from facestyle.web import gallery
from facestyle.web.errors import ApiError
from facestyle.web.schemas import ErrorBody, StyleList

#: The paintings only change with a new release, so browsers may keep them for a day.
CACHE_A_DAY = {"Cache-Control": "max-age=86400"}

router = APIRouter(tags=["gallery"])


@router.get("/api/styles", response_model=StyleList)
def styles() -> dict[str, Any]:
    """The bundled paintings; send one's `id` as `style_id`."""
    return {"styles": [painting.to_dict() for painting in gallery.PAINTINGS]}


@router.get("/api/styles/{style_id}/image", responses={404: {"model": ErrorBody}})
def style_image(style_id: str) -> Response:
    """The painting itself (JPEG, at most 640 px on the long side)."""
    painting = find_painting(style_id)
    return Response(painting.read_bytes(), media_type="image/jpeg", headers=CACHE_A_DAY)


@router.get("/api/styles/{style_id}/thumbnail", responses={404: {"model": ErrorBody}})
def style_thumbnail(style_id: str) -> Response:
    """A small JPEG of the painting for the gallery."""
    painting = find_painting(style_id)
    return Response(gallery.thumbnail(painting.id), media_type="image/jpeg", headers=CACHE_A_DAY)


def find_painting(style_id: str, *, status: int = 404) -> gallery.Painting:
    """The gallery painting with this id; a job names an unknown one with 422, a URL with 404."""
    painting = gallery.find(style_id)
    if painting is None:
        ids = ", ".join(p.id for p in gallery.PAINTINGS)
        raise ApiError(f"the gallery has no painting '{style_id}'; choose one of {ids}", status=status)
    return painting
