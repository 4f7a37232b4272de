"""Finding face boxes: BlazeFace passes at several scales, plain and blurred, and over tiles.

mediapipe shrinks its input to the detector's 128 or 192 pixels without low-pass filtering, which
aliases engraving lines, brush strokes and film grain into noise and loses faces that an
antialiased downscale shows. So every pass gets the image already shrunk (Lanczos) to the model's
input, once as is and once blurred first (for painted faces), and a large image is also cut into
tiles so that a face of 30–60 pixels is seen (docs/faces.md). Callers hold
:func:`facestyle.faces.models.using_models`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from facestyle.faces.models import MODELS
from facestyle.faces.types import SAME_FACE_IOU, Box

#: (full range?, side in pixels) of the detector passes over the whole image, each run plain and blurred.
_WHOLE_IMAGE_PASSES = ((False, 96), (False, 128), (True, 128), (True, 192))
#: (full range?, side in pixels) of the passes over each tile.
_TILE_PASSES = ((False, 128), (True, 192))
#: Side and stride of the tiles of an image larger than one tile.
_TILE = 512
_TILE_STRIDE = 256


@dataclass
class Detection:
    """One face the detectors found: the best-scoring hit of a cluster of overlapping ones.

    Attributes:
        box, score, keypoints: as :class:`~facestyle.faces.types.Face` has them.
        from_tile: the hit came from a tile, not from a pass over the whole image.
        votes: how many detector hits the cluster holds; a face many passes agree on is likely real.
    """

    box: Box
    score: float
    keypoints: dict[str, tuple[float, float]]
    from_tile: bool = False
    votes: int = 1


def detect_faces(rgb: np.ndarray, min_score: float) -> list[Detection]:
    """Every BlazeFace pass over ``rgb`` (H, W, 3) uint8, merged: best score first, overlaps clustered."""
    picture = Image.fromarray(rgb)
    found: list[Detection] = []
    for blur in (False, True):
        for full_range, side in _WHOLE_IMAGE_PASSES:
            found += _detect_scaled(picture, full_range=full_range, side=side, blur=blur, min_score=min_score)
    for x0, y0, x1, y1 in _tiles(picture.width, picture.height):
        tile = picture.crop((x0, y0, x1, y1))
        for full_range, side in _TILE_PASSES:
            for hit in _detect_scaled(tile, full_range=full_range, side=side, blur=False, min_score=min_score):
                box = Box(hit.box.x0 + x0, hit.box.y0 + y0, hit.box.x1 + x0, hit.box.y1 + y0)
                points = {k: (x + x0, y + y0) for k, (x, y) in hit.keypoints.items()}
                found.append(Detection(box, hit.score, points, from_tile=True))
    # Whole-image hits represent a cluster before tile ones (a tile can cut a large face in half),
    # then the best score.
    found.sort(key=lambda d: (d.from_tile, -d.score))
    kept: list[Detection] = []
    for candidate in found:
        for other in kept:
            if candidate.box.iou(other.box) > SAME_FACE_IOU:
                other.votes += 1
                break
        else:
            kept.append(candidate)
    return kept


#: The quick analysis's passes: short range on the image shrunk to 128 px, else full range at 192 px.
_QUICK_PASSES = ((False, 128), (True, 192))


def detect_quick(picture: Image.Image, min_score: float) -> list[Detection]:
    """The boxes of the first of :data:`_QUICK_PASSES` that finds any: a portrait's face in a few
    milliseconds, without the scales, blurred copies and tiles that :func:`detect_faces` adds for
    small faces and painted or engraved ones."""
    for full_range, side in _QUICK_PASSES:
        found = _detect_scaled(picture, full_range=full_range, side=side, blur=False, min_score=min_score)
        if found:
            return found
    return []


def _detect_scaled(picture: Image.Image, *, full_range: bool, side: int, blur: bool, min_score: float) -> list[Detection]:
    """Run one detector on ``picture`` shrunk (antialiased) to ``side`` pixels; boxes in picture pixels."""
    scale = min(1.0, side / max(picture.size))
    small = picture
    if blur and scale < 1:
        small = small.filter(ImageFilter.GaussianBlur(0.5 / scale))
    if scale < 1:
        size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
        small = small.resize(size, Image.Resampling.LANCZOS)
    elif blur:
        # Not shrunk, so nothing aliased: the blurred pass would only repeat the plain one.
        return []
    sx, sy = picture.width / small.width, picture.height / small.height
    hits = MODELS.detect(np.asarray(small), full_range=full_range, min_score=min_score)
    return [
        Detection(box.scaled(sx, sy), score, {k: (x * sx, y * sy) for k, (x, y) in keypoints.items()})
        for box, score, keypoints in hits
    ]


def _tiles(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """Overlapping square tiles ``(x0, y0, x1, y1)`` of a large image (none for a small one)."""
    if max(width, height) <= _TILE:
        return []

    def starts(length: int) -> list[int]:
        if length <= _TILE:
            return [0]
        return sorted(set(list(range(0, length - _TILE, _TILE_STRIDE)) + [length - _TILE]))

    return [(x0, y0, min(x0 + _TILE, width), min(y0 + _TILE, height)) for y0 in starts(height) for x0 in starts(width)]
