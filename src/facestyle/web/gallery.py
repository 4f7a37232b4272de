"""The bundled paintings a user can pick as a style, addressed by fixed slugs (never by paths).

The images live in ``paintings/`` beside this module (package data), downscaled to 640 px on the
long side; ``paintings/SOURCES.md`` gives each one's provenance.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from PIL import Image

THUMBNAIL_SIZE = 240


@dataclass(frozen=True)
class Painting:
    """One gallery entry. ``kind`` is ``portrait``, ``drawing`` or ``scene``."""

    id: str
    title: str
    artist: str
    year: str
    kind: str

    def read_bytes(self) -> bytes:
        return resources.files(__package__).joinpath("paintings", f"{self.id}.jpg").read_bytes()

    def to_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "title": self.title,
            "artist": self.artist,
            "year": self.year,
            "kind": self.kind,
            "image_url": f"/api/styles/{self.id}/image",
            "thumbnail_url": f"/api/styles/{self.id}/thumbnail",
        }


#: Portraits first (they suit a face best), then drawings, then scenes.
PAINTINGS: tuple[Painting, ...] = (
    Painting("vangogh-self-portrait", "Self-Portrait", "Vincent van Gogh", "1889", "portrait"),
    Painting("vermeer-pearl-earring", "Girl with a Pearl Earring", "Johannes Vermeer", "c. 1665", "portrait"),
    Painting("rembrandt-self-portrait", "Self-Portrait at the Easel", "Rembrandt van Rijn", "1660", "portrait"),
    Painting("leonardo-red-chalk", "Self-Portrait in Red Chalk", "Leonardo da Vinci", "c. 1512", "drawing"),
    Painting("vangogh-sien-drawing", "Sien with Cigar", "Vincent van Gogh", "1882", "drawing"),
    Painting("starry-night", "The Starry Night", "Vincent van Gogh", "1889", "scene"),
    Painting("great-wave", "The Great Wave off Kanagawa", "Katsushika Hokusai", "c. 1831", "scene"),
    Painting("the-scream", "The Scream", "Edvard Munch", "1893", "scene"),
)

_BY_ID = {painting.id: painting for painting in PAINTINGS}


def find(painting_id: str) -> Painting | None:
    """The painting with this slug, or None (a lookup in a fixed table: no path is ever built from input)."""
    return _BY_ID.get(painting_id)


@lru_cache(maxsize=len(PAINTINGS))
def thumbnail(painting_id: str) -> bytes:
    """A JPEG of at most :data:`THUMBNAIL_SIZE` px on the long side, made once per painting.

    Raises:
        KeyError: unknown slug.
    """
    painting = _BY_ID[painting_id]
    with Image.open(io.BytesIO(painting.read_bytes())) as image:
        image.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        image.convert("RGB").save(out, format="JPEG", quality=85)
    return out.getvalue()
