"""Tuned MicroAST style signals on disk, found by the painting's pixels.

A tuned signal (:mod:`facestyle.fast.signal_tuning`) belongs to one painting, so it is filed under a
digest of the painting's decoded RGB pixels: the same painting given as a file, as uploaded bytes
or as a gallery pick finds it, and a resized, recoloured or luminance-only painting does not (its
marks are not the ones tuned for). The gallery's signals are also found by the painting's size
and a 16×16 thumbnail, since another JPEG decoder may give the shipped paintings pixels a level
or two apart. Two places are searched: the signals shipped for the gallery
(``signals/`` beside this module) and the user's own, which ``facestyle tune`` writes
(``$FACESTYLE_SIGNALS``, else ``$XDG_CACHE_HOME/facestyle/signals``, else
``~/.cache/facestyle/signals``). A file is JSON: the digest, the painting's size, how it was tuned,
and the 8 vectors.
"""

from __future__ import annotations

import json
import os
from dataclasses import fields
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from facestyle.errors import OptionError, OutputError
from facestyle.fast.microast import CHANNELS, StyleSignal
from facestyle.files import write_text_atomically
from facestyle.image.io import pixel_digest

FORMAT = "facestyle-style-signal/1"
THUMBNAIL = 16
#: Mean absolute difference (0–255 levels) under which a painting of the same size matches a
#: shipped signal's thumbnail; decoders differ by about a level per pixel, edits by far more.
THUMBNAIL_TOLERANCE = 1.0


def thumbnail(painting: Image.Image) -> np.ndarray:
    """The painting's mean colours over a 16×16 grid (float, 0–255)."""
    return np.asarray(painting.convert("RGB").resize((THUMBNAIL, THUMBNAIL), Image.Resampling.BOX), np.float32)


def user_folder() -> Path:
    """Where ``facestyle tune`` files the user's tuned signals."""
    if os.environ.get("FACESTYLE_SIGNALS"):
        return Path(os.environ["FACESTYLE_SIGNALS"]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "facestyle" / "signals"


def save_signal(
    signal: StyleSignal,
    painting: Image.Image,
    tuning: dict[str, Any],
    *,
    folder: Path | None = None,
    about: dict[str, Any] | None = None,
    name: str | None = None,
) -> Path:
    """File ``signal`` as the tuned signal of ``painting``; returns the file's path.

    ``tuning``: how it was tuned (:class:`facestyle.fast.signal_tuning.Tuning` as a dict).

    The file appears whole or not at all (written beside, then renamed).
    ``about``: extra provenance kept in the file (e.g. the painting's and photos' names).
    ``name``: the file's name without ``.json`` (the painting's digest when not given).
    """
    folder = Path(folder) if folder is not None else user_folder()
    digest = pixel_digest(painting)
    record = {
        "format": FORMAT,
        "painting_sha256": digest,
        "painting_size": list(painting.size),
        "painting_thumbnail": [round(v, 2) for v in thumbnail(painting).flatten().tolist()],
        "tuning": tuning,
        **({"about": about} if about else {}),
        "signal": {f.name: [round(v, 6) for v in getattr(signal, f.name).flatten().tolist()] for f in fields(StyleSignal)},
    }
    path = folder / f"{name or digest}.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_text_atomically(path, json.dumps(record, indent=1))
    except OSError as error:
        raise OutputError(f"cannot write the tuned signal into {folder}: {error.strerror}; "
                          "set FACESTYLE_SIGNALS to a folder you can write") from error
    return path


def load_signal(path: Path) -> StyleSignal:
    """The signal in one file.

    Raises:
        OptionError: the file is not a facestyle style signal.
    """
    try:
        record = json.loads(Path(path).read_text())
        values = record["signal"]
        if record.get("format") != FORMAT:
            raise ValueError(f"format {record.get('format')!r}")
        tensors = {f.name: torch.tensor(values[f.name], dtype=torch.float32) for f in fields(StyleSignal)}
        if any(t.numel() != CHANNELS for t in tensors.values()):
            raise ValueError(f"vectors of {CHANNELS} numbers expected")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise OptionError(f"{path} is not a facestyle style signal ({error}); tune the painting again") from error
    return StyleSignal(**{name: t.view(1, CHANNELS, 1, 1) for name, t in tensors.items()})


def find_signal(painting: Image.Image, digest: str | None = None) -> StyleSignal | None:
    """The tuned signal of ``painting`` (the user's own first, then the gallery's), or None.

    ``digest``: the painting's :func:`facestyle.image.io.pixel_digest`, when the caller has it already.
    """
    digest = digest or pixel_digest(painting)
    user_file = user_folder() / f"{digest}.json"
    if user_file.is_file():
        return _load_cached(str(user_file), user_file.stat().st_mtime_ns)
    shipped = _shipped_files()
    path = shipped.get(digest) or _match_shipped(painting, shipped.values())
    return _load_cached(path, 0) if path else None


def _match_shipped(painting: Image.Image, paths) -> str | None:
    """The shipped signal of a painting of the same size and nearly the same thumbnail, if any."""
    candidates = [path for path in paths if _record(path)["painting_size"] == list(painting.size)]
    if not candidates:
        return None
    mine = thumbnail(painting).flatten()
    for path in candidates:
        theirs = np.asarray(_record(path)["painting_thumbnail"], np.float32)
        if theirs.shape == mine.shape and np.abs(theirs - mine).mean() < THUMBNAIL_TOLERANCE:
            return path
    return None


def forget_signals() -> None:
    """Empty the per-process caches of signal files (the next lookup reads them again)."""
    for cached in (_load_cached, _shipped_files, _record):
        cached.cache_clear()


@lru_cache(maxsize=64)
def _load_cached(path: str, _modified: int) -> StyleSignal:
    return load_signal(Path(path))


@lru_cache(maxsize=1)
def _shipped_files() -> dict[str, str]:
    """The gallery's tuned signals by painting digest (read once per process)."""
    folder = resources.files(__package__).joinpath("signals")
    return {_record(str(entry))["painting_sha256"]: str(entry) for entry in folder.iterdir()
            if entry.name.endswith(".json")}


@lru_cache(maxsize=64)
def _record(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text())
