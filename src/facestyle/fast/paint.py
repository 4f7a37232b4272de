"""The one-pass methods as a run uses them: ``fast`` (MicroAST and the face step) and ``adain``.

``fast`` paints with the MicroAST network (:mod:`facestyle.fast.microast`) and then puts the photo's
fine detail back into the eyes, brows, lips and face outline (:mod:`facestyle.fast.face_detail`), so
the preview reads as the person. A painting's style signal is kept per process, keyed by the
painting's pixels, so a studio that paints many photos in one style, or one photo again at another
strength, measures it once (BENCHMARKS.md#fast-mode).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import torch
from PIL import Image

from facestyle.costs.objective import blend_weights
from facestyle.faces.analysis import FaceAnalysis
from facestyle.fast.adain import paint_adain
from facestyle.fast.face_detail import restore_face_detail
from facestyle.fast.microast import STYLE_SIDE, MicroAST, StyleSignal, cached_microast
from facestyle.image.io import resize_long_side, to_pil, to_tensor
from facestyle.optim.schedule import style_side
from facestyle.settings import Settings

#: How many paintings' style signals a process keeps (a signal is 8 vectors of 64 numbers).
SIGNALS_KEPT = 32

_signals: OrderedDict[tuple, StyleSignal] = OrderedDict()
_signals_lock = threading.Lock()


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

    Args:
        content_image: the photo as the network sees it (a luminance image when colours are kept).
        photo: the colour photo at the output size, whose detail the face step puts back.
        analysis: the photo's faces, for the face step; None skips it (``--plain``, or ``adain``).

    Returns:
        The painted image at the photo's size at ``settings.size``.
    """
    if settings.method == "adain":
        painted = to_pil(paint_adain(content_image, style_images, settings, settings.size, device))
    else:
        painted = _paint_microast(content_image, style_images, settings, device)
    if analysis is not None and analysis.has_faces:
        painted = restore_face_detail(painted, photo, analysis)
    return painted


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
    """The painting's style signal at long side ``side``, measured once per process and painting."""
    key = (hashlib.sha1(painting.tobytes()).hexdigest(), painting.size, side, id(model))
    with _signals_lock:
        if key in _signals:
            _signals.move_to_end(key)
            return _signals[key]
    signal = model.style_signal(to_tensor(resize_long_side(painting, side)).to(model_device(model)))
    with _signals_lock:
        _signals[key] = signal
        while len(_signals) > SIGNALS_KEPT:
            _signals.popitem(last=False)
    return signal


def model_device(model: MicroAST) -> torch.device:
    return next(model.parameters()).device
