"""What a batch will do, decided before any painting: which photos, where each output goes, which are done.

Everything here checks the arguments and reads files but writes nothing, so a bad argument ends
the batch with one line and no output folder. A photo counts as done when its output carries,
embedded by :func:`facestyle.config.save_output`, the same photo (SHA-256), the same paintings
and the same settings: changed settings or a changed photo paint it again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from facestyle.errors import InputImageError, OptionError, OutputError
from facestyle.files import check_writable_folder, file_sha256
from facestyle.settings import Settings

#: Files with these extensions are taken as photos; any other file in the folder is left alone.
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
SUMMARY_NAME = "summary.csv"


@dataclass(frozen=True)
class PhotoJob:
    """One photo of the batch: the photo, the paintings, the settings and where its output goes."""

    photo: Path
    styles: tuple[Path, ...]
    settings: Settings
    output: Path

    @property
    def name(self) -> str:
        return self.photo.name


def find_photos(folder: str | os.PathLike) -> list[Path]:
    """The photos directly in ``folder``, by name (hidden files, such as unfinished outputs, are not).

    Raises:
        InputImageError: the folder is missing, is a file, is empty or holds no image files.
    """
    source = Path(folder)
    if not source.is_dir():
        what = "is a file" if source.exists() else "does not exist"
        raise InputImageError(f"photo folder '{source}' {what}; give the folder that holds the photos")
    entries = [entry for entry in sorted(source.iterdir()) if not entry.name.startswith(".")]
    if not entries:
        raise InputImageError(f"photo folder '{source}' is empty; put the photos to paint in it")
    photos = [entry for entry in entries if entry.is_file() and entry.suffix.lower() in PHOTO_SUFFIXES]
    if not photos:
        kinds = ", ".join(PHOTO_SUFFIXES)
        raise InputImageError(f"photo folder '{source}' holds no images ({kinds}); point it at the photos")
    return photos


def output_names(photos: Sequence[Path]) -> dict[Path, str]:
    """``face.jpg`` → ``face.png``; photos sharing a stem (``a.jpg``, ``a.png``) keep their extension
    in the name (``a.jpg.png``) so that no output overwrites another."""
    stems: dict[str, int] = {}
    for photo in photos:
        stems[photo.stem.lower()] = stems.get(photo.stem.lower(), 0) + 1
    return {
        photo: f"{photo.name if stems[photo.stem.lower()] > 1 else photo.stem}.png" for photo in photos
    }


def check_output_folder(folder: str | os.PathLike, photos_folder: str | os.PathLike) -> Path:
    """Check (without creating it) that the output folder can be made or written.

    Raises:
        OptionError: it is the photo folder itself (outputs would be taken for photos next time).
        OutputError: it is a file, or it (or, when missing, its parent) cannot be written.
    """
    out = Path(folder)
    if out.exists() and out.resolve() == Path(photos_folder).resolve():
        raise OptionError(f"output folder '{out}' is the photo folder; give another -o OUT_DIR")
    if out.exists() and not out.is_dir():
        raise OutputError(f"output folder '{out}' is a file; give a folder name")
    if out.is_dir():
        return check_writable_folder(out, what="the portraits")
    check_writable_folder(out.parent, what=f"output folder '{out}'")
    return out


def make_folder(folder: Path) -> Path:
    """Create the output folder (its parent was checked) when it does not exist yet."""
    try:
        folder.mkdir(exist_ok=True)
    except OSError as error:
        raise OutputError(f"could not create output folder '{folder}' ({error.strerror or error})") from None
    return folder


def plan_jobs(
    photos: Sequence[Path], styles: Sequence[Path], settings: Settings, out: Path
) -> list[PhotoJob]:
    names = output_names(photos)
    return [PhotoJob(photo, tuple(styles), settings, out / names[photo]) for photo in photos]


def finished_record(job: PhotoJob, style_hashes: Sequence[str]) -> dict[str, Any] | None:
    """The record embedded in ``job``'s output when it was made from this photo, these paintings
    and these settings; None when it has to be painted (again)."""
    from facestyle.image.io import read_metadata

    if not job.output.is_file():
        return None
    try:
        metadata = read_metadata(job.output)
    except (OSError, SyntaxError, ValueError):  # a damaged output is painted again
        return None
    if not isinstance(metadata, dict) or not isinstance(metadata.get("inputs"), dict):
        return None
    inputs = metadata["inputs"]
    content = inputs.get("content") if isinstance(inputs.get("content"), dict) else {}
    recorded_styles = [entry.get("sha256") for entry in inputs.get("styles") or [] if isinstance(entry, dict)]
    if content.get("sha256") != _photo_hash(job.photo) or recorded_styles != list(style_hashes):
        return None
    if metadata.get("settings") != _as_embedded(job.settings):
        return None
    return metadata


def style_hashes(styles: Sequence[Path]) -> list[str]:
    return [file_sha256(style) for style in styles]


def _photo_hash(photo: Path) -> str | None:
    try:
        return file_sha256(photo)
    except OSError:
        return None


def _as_embedded(settings: Settings) -> Any:
    """The settings as they read back from an output (JSON turns tuples into lists)."""
    return json.loads(json.dumps(settings.to_dict()))
