"""The drawing mediums: each one's bundled default drawing and the fast path's stroke and texture shape.

A medium is a recipe for the classical rendering (:mod:`facestyle.sketch.pencil`) plus the drawing
whose tone, paper and pigment the result takes when the user names none. The defaults are public
domain drawings shipped as package data (provenance in ``exemplars/SOURCES.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Sequence

from PIL import Image

from facestyle.errors import OptionError, did_you_mean
from facestyle.image.io import ImageSource, load_image


@dataclass(frozen=True)
class Medium:
    """How one medium draws.

    Attributes:
        name: ``pencil``, ``charcoal`` or ``ink``.
        exemplar: file name of the default drawing inside ``facestyle/sketch/exemplars``.
        line_length: stroke kernel length as a fraction of the image's long side (Lu et al. use ~1/30).
        line_width: stroke kernel width in pixels at 512 px.
        line_strength: how dark the stroke map is (1 = as normalised; more draws the outlines harder).
        hatch_length: hatching streak length as a fraction of the long side.
        hatch_angles: directions of the hatching in degrees; two make cross-hatching.
        grain: sigma in pixels (at 512 px) of the paper tooth that breaks up the pigment.
        crisp: 0 = soft graphite or chalk; towards 1 the hatching turns into hard lines, as in ink.
        follow_form: 0 = hatching at ``hatch_angles`` everywhere; 1 = turned along the photo's form
            wherever it has a clear direction (pencil.form_directions).
        texture_weight: smoothness λ of the texture exponent β (Lu et al.'s eq. 9).
        description: one line for help texts.
    """

    name: str
    exemplar: str
    line_length: float
    line_width: int
    line_strength: float
    hatch_length: float
    hatch_angles: tuple[float, ...]
    grain: float
    crisp: float
    texture_weight: float
    description: str
    follow_form: float = 1.0


MEDIUMS: dict[str, Medium] = {
    "pencil": Medium(
        "pencil", "pencil_vangogh_sien_with_cigar_1882.jpg", 1 / 35, 1, 1.0, 1 / 20, (45.0,), 0.6, 0.0, 0.2,
        "graphite lines and soft hatching (default drawing: Van Gogh, Sien with Cigar, 1882)",
    ),
    "charcoal": Medium(
        "charcoal", "charcoal_leonardo_selfportrait_redchalk_1512.jpg", 1 / 28, 2, 0.8, 1 / 30, (60.0,), 1.4, 0.0,
        0.4, "broad chalk with grainy paper (default drawing: Leonardo's red-chalk self-portrait, c. 1512)",
    ),
    "ink": Medium(
        "ink", "ink_rembrandt_young_man_velvet_cap_etching_1637.jpg", 1 / 40, 1, 1.3, 1 / 14, (45.0, -45.0), 0.4,
        0.7, 0.1, "etched ink lines and cross-hatching (default drawing: Rembrandt, Young Man in a Velvet Cap, 1637)",
    ),
}

DEFAULT_MEDIUM = "pencil"


def get_medium(name: str) -> Medium:
    """The medium called ``name``.

    Raises:
        OptionError: an unknown medium, with the nearest name.
    """
    if name not in MEDIUMS:
        hint = did_you_mean(name, MEDIUMS, otherwise=f"choose from {', '.join(MEDIUMS)}")
        raise OptionError(f"unknown medium {name!r}; {hint}")
    return MEDIUMS[name]


def default_exemplar_path(medium: str) -> Path:
    """The bundled drawing of ``medium`` as a file path."""
    folder = resources.files("facestyle.sketch") / "exemplars"
    return Path(str(folder / get_medium(medium).exemplar))


def load_exemplars(sources: Sequence[ImageSource] | None, medium: str) -> list[Image.Image]:
    """The drawings to follow: the user's (each checked as any input image) or the medium's default.

    Raises:
        InputImageError: a drawing is missing or unreadable.
        OptionError: an unknown medium.
    """
    get_medium(medium)
    if not sources:
        return [load_image(default_exemplar_path(medium), what="default drawing")]
    if len(sources) == 1:
        return [load_image(sources[0], what="drawing")]
    return [load_image(source, what=f"drawing {number}") for number, source in enumerate(sources, 1)]
