"""The print version in the studio: how large a portrait a job's photo allows, said in the studio's words.

The engine refuses a size the photo or the machine cannot give (:mod:`facestyle.sizing`) with a
command line's advice (``use --size …``); the studio asks the same question before queueing, so the
Print button can name the largest size a photo allows and a request above it is refused at once.
"""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from facestyle.errors import OptionError
from facestyle.settings import Settings, make_settings
from facestyle.sizing import MAX_ENLARGEMENT, largest_size
from facestyle.web.errors import Unprocessable


def _settings(options: dict[str, Any]) -> Settings:
    """The engine settings of a job's options (a drawing's medium is the drawer's, not the engine's)."""
    chosen = {name: value for name, value in options.items() if name != "medium"}
    try:
        return make_settings(**chosen)
    except (OptionError, TypeError):
        return Settings(size=int(chosen.get("size") or Settings.size))


def largest_print(print_size: int, options: dict[str, Any], photo_size: tuple[int, int]) -> int:
    """The largest print of a job with ``options`` on a photo of ``photo_size`` (width, height): the
    studio's ``print_size``, or less for a small photo or a small machine; 0 when none is offered."""
    if print_size <= 0:
        return 0
    return largest_size(_settings({**options, "size": print_size}), photo_size)


def check_photo_allows(options: dict[str, Any], photo_size: tuple[int, int]) -> None:
    """Refuse (422) a job whose size its photo or this machine cannot give, naming the size that works."""
    settings = _settings(options)
    allowed = largest_size(settings, photo_size)
    if settings.size <= allowed:
        return
    long_side = max(photo_size)
    if settings.size > MAX_ENLARGEMENT * long_side:
        raise Unprocessable(
            f"this photo is {long_side} px on its long side, too small for a {settings.size} px portrait; "
            f"choose {allowed} px or less, or a larger photo"
        )
    raise Unprocessable(
        f"a {settings.size} px portrait needs more memory than this computer has; choose {allowed} px or less"
    )


def photo_size(data: bytes | None) -> tuple[int, int] | None:
    """(width, height) of a stored photo, read from its header; None when it has gone."""
    if data is None:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except OSError:
        return None
