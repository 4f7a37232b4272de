"""``facestyle.sketch``: a face photo drawn in pencil, charcoal or ink, keeping the face.

Both paths start from the photo's luminance faded to paper outside the figure and given the
drawing's histogram (:mod:`facestyle.sketch.paper`). The fast path renders it classically in a
fraction of a second (:mod:`facestyle.sketch.pencil`); the full path hands it to the engine's
optimisation (:func:`facestyle.engine.stylize`, face-aware, on grey images) with the drawing's
texture matched by Gram matrices and Li & Wand's patch loss (:mod:`facestyle.costs.patches`), and
the fast drawing's face kept over the result's.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any, Sequence

import torch
from PIL import Image

from facestyle.costs.patches import PatchLoss, region_labels
from facestyle.engine import stylize
from facestyle.errors import OptionError, did_you_mean
from facestyle.events import Progress, ProgressCallback, Result
from facestyle.faces.analysis import NO_FACE_NOTICE, analyse
from facestyle.faces.guide import FaceGuide, FaceMasks
from facestyle.features.vgg import VGG19Features
from facestyle.image import color
from facestyle.image.io import ImageSource, load_image, resize_long_side, resize_to
from facestyle.optim.schedule import style_side
from facestyle.settings import Settings, make_settings
from facestyle.sketch import paper as sheet_module
from facestyle.sketch.exemplars import DEFAULT_MEDIUM, get_medium, load_exemplars
from facestyle.sketch.grain import grain_field, lay_grain
from facestyle.sketch.pencil import pencil_drawing

QUALITIES = ("fast", "full")
#: Texture terms of the full path: Gram matrices (Gatys), patches (Li & Wand) or both.
TEXTURES = ("gram", "patch", "both")
#: Gram alone kept faces and the drawing's texture best and ran fastest (BENCHMARKS.md#sketch).
DEFAULT_TEXTURE = "gram"
#: Layers and weight of the patch loss; relu4_1's 3×3 patches span a stroke at 512 px.
PATCH_LAYERS = ("relu4_1",)
PATCH_WEIGHT = 1.0
#: The full path's optimisation: fewer steps than a painting, since it starts from a drawn tone.
SKETCH_DEFAULTS: dict[str, Any] = {"steps": 100, "scales": 3, "min_size": 128, "region_style": "off"}


def sketch(
    photo: ImageSource,
    *,
    medium: str = DEFAULT_MEDIUM,
    exemplar: ImageSource | Sequence[ImageSource] | None = None,
    quality: str = "full",
    texture: str = DEFAULT_TEXTURE,
    grey: bool = False,
    paper_grain: bool = True,
    patch_weight: float = PATCH_WEIGHT,
    progress: ProgressCallback | None = None,
    face_guide: FaceGuide | None = None,
    **options: Any,
) -> Result:
    """Draw ``photo`` in ``medium``, following ``exemplar`` drawings (the medium's bundled one by default).

    Args:
        photo: path, bytes or PIL image of the face photo.
        medium: ``pencil``, ``charcoal`` or ``ink``: the fast path's strokes and the default drawing.
        exemplar: one drawing or a list of them whose tone, paper and texture to follow.
        quality: ``fast`` (the classical rendering, well under a second) or ``full`` (optimised).
        texture: the full path's texture terms: ``gram``, ``patch`` or ``both``.
        grey: grey paper and pigment instead of the drawing's colours.
        paper_grain: lay the drawing's own paper grain over the light tones (off: flat paper).
        patch_weight: weight of the patch loss beside J's content and Gram terms.
        progress: called with :class:`Progress` events; the full path first reports the fast drawing
            as step 0, then every optimisation step.
        face_guide: analyses of the photo (and drawing) at ``size`` to skip analysing them again.
        options: :class:`Settings` fields for the full path (``size``, ``steps``, ``seed``, …).

    Raises:
        InputImageError, OptionError, WeightsError: bad inputs, options or weights.
    """
    _check_choice("quality", quality, QUALITIES)
    _check_choice("texture", texture, TEXTURES)
    spec = get_medium(medium)
    started = time.perf_counter()
    settings = make_settings(**{**SKETCH_DEFAULTS, **options})
    picture = resize_long_side(load_image(photo, what="photo"), settings.size)
    drawings = load_exemplars(_as_list(exemplar), medium)
    sheet = sheet_module.read_sheet(drawings)
    guide = face_guide or _analyse(picture, drawings[0], settings, full=quality == "full")
    notes = () if guide.has_faces else (NO_FACE_NOTICE,)
    prepared = sheet_module.prepare_photo(picture, guide.content, sheet.model)
    fast_y = pencil_drawing(prepared.tone, prepared.structure, spec, seed=settings.seed, face=prepared.face,
                            features=prepared.features)
    field = _grain(drawings[0], sheet, settings, fast_y.shape, paper_grain)
    fast_image = sheet.render(lay_grain(fast_y, field, prepared.features), grey=grey)
    if quality == "fast":
        if progress is not None:
            progress(Progress(1, 1, {}, time.perf_counter() - started, picture.size, 0, lambda: fast_image))
        return Result(fast_image, [], settings, time.perf_counter() - started, "cpu", notes)
    if progress is not None:
        elapsed = time.perf_counter() - started
        progress(Progress(0, settings.steps, {}, elapsed, picture.size, 0, lambda: fast_image))
    # The fast drawing is both J's content and G's start: its strokes and paper are kept, and the
    # texture terms turn its procedural hatching into the drawing's own marks.
    content = color.gray_image(fast_y)
    styles = [color.gray_image(sheet.normalise(color.luminance(drawing))) for drawing in drawings]
    if texture == "patch":
        settings = settings.replace(beta=0.0)

    def finish(image: Image.Image) -> Image.Image:
        drawn = sheet_module.finish(color.luminance(resize_to(image, picture.size)), prepared, sheet.histogram)
        drawn = sheet_module.keep_face(drawn, fast_y, prepared)
        return sheet.render(lay_grain(drawn, field, prepared.features), grey=grey)

    relay = _finishing(progress, finish) if progress is not None else None
    extra = _patch_terms(guide, patch_weight) if texture in ("patch", "both") else None
    result = stylize(content, styles, settings, progress=relay, face_guide=guide, extra_terms=extra)
    return Result(finish(result.image), result.history, result.settings, time.perf_counter() - started,
                  result.device, (*notes, *(note for note in result.notes if note not in notes)))


def _grain(drawing: Image.Image, sheet: sheet_module.Sheet, settings: Settings, shape: tuple[int, ...], wanted: bool):
    """The drawing's paper grain for an output of ``shape``, its specks in proportion to the output."""
    if not wanted:
        return None
    seen = resize_long_side(drawing, style_side(settings, settings.size))
    return grain_field(sheet.normalise(color.luminance(seen)), shape[:2], settings.seed)


def _analyse(picture: Image.Image, drawing: Image.Image, settings: Settings, *, full: bool) -> FaceGuide:
    """The photo's faces and person mask; for the full path also the drawing's, for face guidance."""
    content = analyse(picture)
    if not content.faces:
        return FaceGuide(content, None, (NO_FACE_NOTICE,))
    style = analyse(resize_long_side(drawing, style_side(settings, settings.size))) if full else None
    return FaceGuide(content, style)


def _patch_terms(guide: FaceGuide, weight: float):
    """The engine's per-scale hook: one patch loss per :data:`PATCH_LAYERS` layer, face-guided."""

    def terms(
        encoder: VGG19Features, content: torch.Tensor, styles: list[torch.Tensor], masks: FaceMasks | None
    ) -> list[tuple[str, PatchLoss, float]]:
        shapes = encoder(content, list(PATCH_LAYERS))
        style_features = encoder(styles[0], list(PATCH_LAYERS))
        made = []
        for layer in PATCH_LAYERS:
            size = tuple(shapes[layer].shape[-2:])
            style_size = tuple(style_features[layer].shape[-2:])
            photo_labels = region_labels(masks.regions, size) if masks is not None else None
            painting = masks.painting_regions if masks is not None else None
            loss = PatchLoss(layer, style_features[layer], region_labels(painting, style_size), photo_labels)
            made.append(("patch", loss, weight))
        return made

    return terms


def _finishing(progress: ProgressCallback, finish: Any) -> ProgressCallback:
    """Relay engine events with their pictures finished as drawings (histogram, paper, colours)."""

    def relay(event: Progress) -> Any:
        return progress(dataclasses.replace(event, _render=lambda event=event: finish(event.image())))

    return relay


def _as_list(exemplar: ImageSource | Sequence[ImageSource] | None) -> list[ImageSource] | None:
    if exemplar is None:
        return None
    return list(exemplar) if isinstance(exemplar, (list, tuple)) else [exemplar]


def _check_choice(what: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        hint = did_you_mean(value, choices, otherwise=f"choose from {', '.join(choices)}")
        raise OptionError(f"unknown {what} {value!r}; {hint}")

