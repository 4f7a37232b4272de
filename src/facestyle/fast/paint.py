"""The one-pass methods as a run uses them: ``fast`` and ``adain``.

``fast`` paints with the MicroAST network (:mod:`facestyle.fast.microast`) and then puts the photo's
fine detail back into the eyes, brows, lips and face outline (:mod:`facestyle.fast.face_detail`), so
the preview reads as the person. ``adain`` paints the picture with AdaIN (:mod:`facestyle.fast.adain`,
in int8 where the CPU runs it fast: :mod:`facestyle.fast.adain_int8`), which lays down more of the
painting's marks, and sets in the faces from the ``fast`` painting (:mod:`facestyle.fast.face_blend`).
A painting's style signal is kept per process, keyed by the painting's pixels, so a studio that
paints many photos in one style, or one photo again at another strength, measures it once
(BENCHMARKS.md#fast-mode). A painting with a tuned MicroAST signal (the gallery's, or one
``facestyle tune`` made: :mod:`facestyle.fast.signal_tuning`) paints with that instead.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import torch
from PIL import Image

from facestyle.costs.objective import blend_weights
from facestyle.faces.analysis import FaceAnalysis
from facestyle.fast.adain import StyleStatistics, cached_adain, paint_adain
from facestyle.fast.adain_int8 import Int8AdaIN, int8_available, quantise_adain
from facestyle.fast.face_blend import blend_face
from facestyle.fast.face_detail import restore_face_detail
from facestyle.fast.microast import STYLE_SIDE, MicroAST, StyleSignal, cached_microast
from facestyle.fast.signal_store import find_signal
from facestyle.image.io import pixel_digest, resize_long_side, to_pil, to_tensor
from facestyle.kept import Kept
from facestyle.optim.schedule import style_side
from facestyle.settings import Settings

#: How many paintings' style signals a process keeps (a MicroAST signal is 8 vectors of 64 numbers,
#: AdaIN's statistics 2 of 512).
SIGNALS_KEPT = 32

_signals: Kept[Any] = Kept(SIGNALS_KEPT)


def paint_one_pass(
    content_image: Image.Image,
    style_images: list[Image.Image],
    settings: Settings,
    device: torch.device,
    *,
    photo: Image.Image,
    analysis: FaceAnalysis | None,
) -> Image.Image:
    """Paint ``content_image`` at ``settings.size`` with ``settings.method`` (``fast`` or ``adain``).

    ``fast`` is MicroAST with the face step. ``adain`` paints the picture with AdaIN (in int8 on a
    CPU that runs it fast) and sets each face in from MicroAST with the face step
    (:mod:`facestyle.fast.face_blend`), since AdaIN's decoder damages teeth and eyes.

    Args:
        content_image: the photo as the network sees it (a luminance image when colours are kept).
        photo: the colour photo at the output size, whose detail the face step puts back.
        analysis: the photo's faces; None skips all face handling (``--plain``).

    Returns:
        The painted image at the photo's size at ``settings.size``.
    """
    faces = analysis is not None and analysis.has_faces
    picture = _paint_adain(content_image, style_images, settings, device) if settings.method == "adain" else None
    if picture is not None and not faces:
        return picture
    face = _paint_microast(content_image, style_images, settings, device)
    if faces:
        face = restore_face_detail(face, photo, analysis)
    return face if picture is None else blend_face(picture, face, analysis)


def _paint_adain(
    content_image: Image.Image, style_images: list[Image.Image], settings: Settings, device: torch.device
) -> Image.Image:
    int8 = cached_int8_adain(settings.weights, settings.decoder_weights) if _use_int8(settings, device) else None
    return to_pil(paint_adain(content_image, style_images, settings, settings.size, device, int8, adain_statistics))


def _use_int8(settings: Settings, device: torch.device) -> bool:
    """``auto`` precision paints AdaIN in int8 where the CPU runs it fast (BENCHMARKS.md#fast-mode)."""
    return settings.precision == "auto" and int8_available(device)


@lru_cache(maxsize=2)
def cached_int8_adain(weights: str | None, decoder_weights: str | None) -> Int8AdaIN:
    """The int8 AdaIN, kept per process (it is built from the float model on the CPU)."""
    return quantise_adain(cached_adain(weights, decoder_weights, "cpu"))


def _paint_microast(
    content_image: Image.Image, style_images: list[Image.Image], settings: Settings, device: torch.device
) -> Image.Image:
    model = cached_microast(None, str(device), settings.precision)
    side = min(style_side(settings, settings.size), STYLE_SIDE)
    signals = [style_signal(model, style, side) for style in style_images]
    signal = StyleSignal.blend(signals, blend_weights(settings.style_blend, len(signals)))
    content = to_tensor(resize_long_side(content_image, settings.size)).to(device)
    return to_pil(model(content, signal, settings.strength))


def style_signal(model: MicroAST, painting: Image.Image, side: int) -> StyleSignal:
    """The painting's MicroAST style signal: its tuned signal where one is filed
    (:mod:`facestyle.fast.signal_store`: the gallery's, or one ``facestyle tune`` made), else the
    signal measured at long side ``side``, once per process and painting."""
    digest = pixel_digest(painting)
    tuned = find_signal(painting, digest)
    return tuned if tuned is not None else _kept(model, painting, side, model.style_signal, digest)


def adain_statistics(model: torch.nn.Module, painting: Image.Image, side: int) -> StyleStatistics:
    """The painting's AdaIN statistics at long side ``side`` (float or int8 model), measured once."""
    return _kept(model, painting, side, model.style_statistics)


def _kept(model: torch.nn.Module, painting: Image.Image, side: int, measure: Callable[[torch.Tensor], Any],
          digest: str | None = None) -> Any:
    """``measure`` of the painting at long side ``side``, from the per-process store when known."""
    key = (digest or pixel_digest(painting), side, id(model))
    return _signals.get(key, lambda: measure(to_tensor(resize_long_side(painting, side)).to(model_device(model))))


def model_device(model: torch.nn.Module) -> torch.device:
    """Where a model's weights are; the CPU for one without float parameters (the int8 AdaIN)."""
    first = next(model.parameters(), None)
    return first.device if first is not None else torch.device("cpu")
