"""The one font facestyle draws labels with (contact sheets, mask overlays)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

Font = ImageFont.ImageFont | ImageFont.FreeTypeFont


@lru_cache(maxsize=16)
def load_font(size: int) -> Font:
    """DejaVu Sans at ``size`` pixels, which has the Greek letters of the costs (α, β, λ).

    matplotlib (a dependency) ships it; without it, Pillow's default font, which lacks Greek
    letters (see :func:`has_greek`), and on a Pillow without FreeType its small bitmap font.
    """
    try:
        import matplotlib

        path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        return ImageFont.truetype(str(path), size)
    except (ImportError, OSError):
        pass
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):
        return ImageFont.load_default()


def has_greek(font: Font) -> bool:
    """Whether ``font`` is the DejaVu face that can draw α, β and λ."""
    return isinstance(font, ImageFont.FreeTypeFont) and "DejaVu" in (font.getname()[0] or "")
