"""The bundled paintings: fixed slugs, small files, provenance for each."""

from __future__ import annotations

import io
import re
from importlib import resources

from PIL import Image

from facestyle.web import gallery


def test_every_painting_is_a_small_jpeg_with_a_slug_and_a_source_line():
    sources = resources.files("facestyle.web").joinpath("paintings", "SOURCES.md").read_text()
    kinds = set()
    for painting in gallery.PAINTINGS:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", painting.id)
        with Image.open(io.BytesIO(painting.read_bytes())) as image:
            assert image.format == "JPEG" and max(image.size) <= 800 and image.mode == "RGB"
        assert f"- {painting.id}.jpg ← " in sources
        kinds.add(painting.kind)
    assert kinds == {"portrait", "drawing", "scene"}
    assert 6 <= len(gallery.PAINTINGS) <= 8


def test_find_is_a_table_lookup_and_thumbnails_are_small():
    assert gallery.find("starry-night").title == "The Starry Night"
    assert gallery.find("../starry-night") is None and gallery.find("starry-night.jpg") is None
    with Image.open(io.BytesIO(gallery.thumbnail("great-wave"))) as thumb:
        assert max(thumb.size) == gallery.THUMBNAIL_SIZE
