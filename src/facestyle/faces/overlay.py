"""A picture of the masks, to look at: the photo tinted by each mask, face boxes and a legend.

Used by ``facestyle inspect --overlay`` and ``--save-masks``, so that a person can check where the
masks fall before trusting a face-aware run; the pictures in ``docs/masks/`` are such overlays.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from PIL import Image, ImageDraw

from facestyle.faces.masks import resize_plane
from facestyle.faces.types import FaceAnalysis
from facestyle.image.fonts import load_font

#: Overlay colours (RGB) of the regions; other mask names get colours from ``_EXTRA_COLOURS``.
REGION_COLOURS: Mapping[str, tuple[int, int, int]] = {
    "eyes": (0, 220, 255),
    "brows": (255, 140, 0),
    "lips": (255, 0, 60),
    "nose": (255, 230, 0),
    "skin": (60, 200, 60),
    "hair_body": (120, 60, 255),
    "background": (128, 128, 128),
}
_EXTRA_COLOURS = ((255, 0, 255), (0, 255, 160), (255, 255, 255), (255, 120, 120))


def render_mask_overlay(
    image: Image.Image,
    masks: Mapping[str, torch.Tensor | np.ndarray],
    *,
    analysis: FaceAnalysis | None = None,
    alpha: float = 0.55,
) -> Image.Image:
    """The photo with each mask tinted in its colour, and a legend strip underneath.

    ``background`` is left untinted. Masks of another size are resized to the image for display.
    With ``analysis`` the face boxes and mesh landmarks are drawn too. Returns a new RGB image
    (the photo's width; taller by the legend).
    """
    picture = image.convert("RGB")
    width, height = picture.size
    photo = torch.from_numpy(np.asarray(picture, dtype=np.float32) / 255.0).permute(2, 0, 1)
    tinted = photo * (1 - alpha)
    colours = _colours(masks)
    covered = torch.zeros(height, width)
    for name, mask in masks.items():
        plane = resize_plane(torch.as_tensor(np.asarray(mask), dtype=torch.float32), height, width).clamp(0, 1)
        if name == "background":
            tinted = tinted + alpha * plane * photo
        else:
            colour = torch.tensor(colours[name], dtype=torch.float32).view(3, 1, 1) / 255.0
            tinted = tinted + alpha * plane * colour
        covered = covered + plane
    # Pixels no mask covers (a single non-partition mask) show the photo itself.
    tinted = tinted + alpha * (1 - covered).clamp(min=0) * photo
    array = tinted.clamp(0, 1).mul(255).round().byte().permute(1, 2, 0).numpy()
    overlay = Image.fromarray(array, "RGB")
    if analysis is not None:
        _draw_faces(overlay, analysis)
    return _with_legend(overlay, masks, colours)


def _colours(masks: Mapping[str, object]) -> dict[str, tuple[int, int, int]]:
    colours, extra = {}, iter(_EXTRA_COLOURS * (1 + len(masks) // len(_EXTRA_COLOURS)))
    for name in masks:
        colours[name] = REGION_COLOURS.get(name) or next(extra)
    return colours


def _draw_faces(overlay: Image.Image, analysis: FaceAnalysis) -> None:
    draw = ImageDraw.Draw(overlay)
    sx, sy = overlay.width / analysis.width, overlay.height / analysis.height
    line = max(1, round(max(overlay.size) / 400))
    for face in analysis.faces:
        face = face.scaled(sx, sy)
        draw.rectangle(face.box.as_tuple(), outline=(255, 255, 255), width=line)
        # On a small face the 478 dots would hide the masks they are drawn over.
        if face.landmarks is not None and face.interocular >= 40:
            dot = max(0.5, face.interocular / 250)
            for x, y in face.landmarks:
                draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=(255, 255, 255))
        label = f"{face.score:.2f}" + ("" if face.yaw is None else f" yaw {face.yaw:+.0f}")
        draw.text((face.box.x0, max(0, face.box.y0 - 14 * line)), label, fill=(255, 255, 255), font=load_font(12 * line))


def _with_legend(overlay: Image.Image, masks: Mapping[str, object], colours: Mapping[str, tuple[int, int, int]]) -> Image.Image:
    width, height = overlay.size
    size = max(11, min(24, width // 40))
    font = load_font(size)
    row = size + 8
    # Lay the entries out in rows that fit the width.
    entries = []
    for name in masks:
        share = float(torch.as_tensor(np.asarray(masks[name]), dtype=torch.float32).mean())
        entries.append((name, f"{name} {share * 100:.1f}%"))
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    rows: list[list[tuple[str, str, int]]] = [[]]
    x = 6
    for name, text in entries:
        item = size + 6 + int(measure.textlength(text, font=font)) + 14
        if x + item > width and rows[-1]:
            rows.append([])
            x = 6
        rows[-1].append((name, text, x))
        x += item
    legend = Image.new("RGB", (width, row * len(rows) + 6), (24, 24, 24))
    draw = ImageDraw.Draw(legend)
    for r, items in enumerate(rows):
        y = 4 + r * row
        for name, text, x in items:
            draw.rectangle((x, y, x + size, y + size), fill=colours[name], outline=(230, 230, 230))
            draw.text((x + size + 6, y), text, fill=(235, 235, 235), font=font)
    result = Image.new("RGB", (width, height + legend.height))
    result.paste(overlay, (0, 0))
    result.paste(legend, (0, height))
    return result
