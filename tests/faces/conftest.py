"""Photos and pictures the face-stage tests share, and the portrait's analysis (made once)."""

from __future__ import annotations

import pytest
from PIL import Image

from facestyle.faces.analysis import analyse
from facestyle.faces.types import Box
from facestyle.image.io import load_image
from tests.conftest import DATA

PORTRAIT = DATA / "face_koch_256.jpg"
GRAY = DATA / "face_washington_gray_256.jpg"
PAINTED = DATA / "style_vermeer_256.jpg"


@pytest.fixture(scope="session")
def portrait():
    """The analysis of :data:`PORTRAIT`; frozen, so every test may share it."""
    return analyse(PORTRAIT)


def side_by_side(*paths) -> Image.Image:
    images = [load_image(p) for p in paths]
    canvas = Image.new("RGB", (sum(i.width for i in images), max(i.height for i in images)), "white")
    x = 0
    for image in images:
        canvas.paste(image, (x, 0))
        x += image.width
    return canvas


def tiny_face_canvas(face_px: int = 32, size=(1000, 800), at=(640, 260)) -> tuple[Image.Image, Box]:
    """The portrait shrunk so its face is about ``face_px`` pixels, pasted on a large plain canvas."""
    photo = load_image(PORTRAIT)
    scale = face_px / 79  # the portrait's face box is about 79 px wide
    small = photo.resize((round(photo.width * scale), round(photo.height * scale)), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", size, (200, 210, 220))
    canvas.paste(small, at)
    return canvas, Box(at[0], at[1], at[0] + small.width, at[1] + small.height)
