"""The person mask: the probability that a pixel belongs to a person (face, hair, body).

The selfie segmentation sees the image at 256 × 256, where a second or a small person is a few
pixels tall and is lost, so it also runs on a crop around every face that is small next to the
image (the head and the body below it), and the larger probability wins. On some paintings and
engravings it finds no person at all, even on the face; there a soft head-and-shoulders shape
around the face stands in for it (docs/faces.md). Callers hold
:func:`facestyle.faces.models.using_models`.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from facestyle.faces.models import MODELS
from facestyle.faces.types import Face

#: Input side of the selfie segmentation model.
_SEGMENT_SIDE = 256


def segment_person(rgb: np.ndarray, faces: list[Face]) -> tuple[np.ndarray, bool]:
    """Person probability (H, W) float32 of ``rgb``, and whether a shape had to stand in for it."""
    height, width = rgb.shape[:2]
    picture = Image.fromarray(rgb)
    person = _segment_scaled(picture)
    for face in faces:
        size = face.size
        cx = face.box.center[0]
        x0, x1 = max(0, int(cx - 2.0 * size)), min(width, int(cx + 2.0 * size))
        y0, y1 = max(0, int(face.box.y0 - 1.0 * size)), min(height, int(face.box.y1 + 3.0 * size))
        if (x1 - x0) * (y1 - y0) > 0.5 * width * height or x1 - x0 < 8 or y1 - y0 < 8:
            continue
        local = _segment_scaled(picture.crop((x0, y0, x1, y1)))
        np.maximum(person[y0:y1, x0:x1], local, out=person[y0:y1, x0:x1])
    guessed = False
    for face in faces:
        box = face.box
        inside = person[max(0, int(box.y0)) : max(1, int(box.y1)), max(0, int(box.x0)) : max(1, int(box.x1))]
        if inside.size and float(inside.mean()) < 0.5:
            np.maximum(person, _head_and_shoulders(face, width, height), out=person)
            guessed = True
    return person, guessed


def _head_and_shoulders(face: Face, width: int, height: int) -> np.ndarray:
    """A soft person shape for one face: an ellipse for the head and hair, a widening body below."""
    scale = min(1.0, 256 / max(width, height))
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    size = face.size * scale
    cx, cy = face.box.center[0] * scale, face.box.center[1] * scale
    chin = face.box.y1 * scale
    layer = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(layer)
    draw.ellipse((cx - 0.8 * size, cy - 1.05 * size, cx + 0.8 * size, cy + 0.85 * size), fill=255)
    draw.polygon(
        [
            (cx - 0.35 * size, chin - 0.2 * size),
            (cx + 0.35 * size, chin - 0.2 * size),
            (cx + 1.6 * size, chin + 1.2 * size),
            (cx + 1.8 * size, h + size),
            (cx - 1.8 * size, h + size),
            (cx - 1.6 * size, chin + 1.2 * size),
        ],
        fill=255,
    )
    layer = layer.filter(ImageFilter.GaussianBlur(max(0.5, 0.1 * size)))
    return np.asarray(layer.resize((width, height), Image.Resampling.BILINEAR), dtype=np.float32) / 255.0


def _segment_scaled(picture: Image.Image) -> np.ndarray:
    """Segment ``picture`` shrunk (antialiased) to the model's 256 pixels; the mask at picture size."""
    scale = min(1.0, _SEGMENT_SIDE / max(picture.size))
    small = picture
    if scale < 1:
        small = picture.resize((max(1, round(picture.width * scale)), max(1, round(picture.height * scale))), Image.Resampling.LANCZOS)
    mask = MODELS.segment(np.ascontiguousarray(np.asarray(small)))
    if small.size != picture.size:
        mask = np.asarray(Image.fromarray(mask, "F").resize(picture.size, Image.Resampling.BILINEAR), dtype=np.float32)
    return np.clip(mask, 0.0, 1.0)
