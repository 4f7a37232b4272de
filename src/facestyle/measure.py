"""Measuring a finished picture on the objective: J and its terms without optimising anything."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from facestyle.costs.objective import build_objective
from facestyle.engine import load_styles, resolve_device
from facestyle.faces.guide import FaceGuide, face_masks
from facestyle.features.encoder import load_encoder
from facestyle.image.io import (
    ImageSource,
    load_image,
    resize_long_side,
    resize_to,
    to_tensor,
)
from facestyle.optim.schedule import style_side
from facestyle.settings import Settings, make_settings


def measure_costs(
    content: ImageSource,
    style: ImageSource | Sequence[ImageSource],
    candidate: ImageSource,
    settings: Settings | None = None,
    *,
    recipe: str | None = None,
    objective: str | None = None,
    face_guide: FaceGuide | None = None,
    **options: Any,
) -> dict[str, float]:
    """Evaluate J and its terms for ``candidate`` at ``settings.size`` without optimising anything.

    Used to compare results of different methods on one objective (benchmarks, studies, tests).
    The candidate is resized to the content photo's size at ``settings.size``. Without
    ``face_guide`` the objective is the plain one whatever ``face_aware`` says; with the guide a
    :func:`stylize` run used (``face_aware`` on), it is the face-aware objective that run minimised.
    """
    settings = make_settings(recipe=recipe, objective=objective, base=settings, **options)
    device = resolve_device(settings.device)
    content_image = resize_long_side(load_image(content, what="content image"), settings.size)
    side = style_side(settings, settings.size)
    styles = [to_tensor(resize_long_side(image, side)).to(device) for image in load_styles(style, settings)]
    candidate_image = resize_to(load_image(candidate, what="image to measure"), content_image.size)
    content_tensor = to_tensor(content_image).to(device)
    use_faces = face_guide is not None and settings.face_aware
    masks = face_masks(face_guide, content_tensor.shape[-2:], styles[0].shape[-2:]) if use_faces else None
    criterion = build_objective(load_encoder(settings, device, exact=True), content_tensor, styles, settings, masks=masks)
    with torch.no_grad():
        costs = criterion(to_tensor(candidate_image).to(device))
    return {name: float(value) for name, value in costs.items()}
