"""Files on disk: checksums, checked output folders and atomic writes.

Every output facestyle writes (images, cost logs, tables, config files, study folders) goes through
:func:`check_writable_folder` before any work starts and through :func:`atomic_output` when it is
written, so a failure says so in one line and never leaves half a file behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from facestyle.errors import OutputError


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes, as 64 hex digits, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_writable_folder(folder: Path, *, what: str) -> Path:
    """Raise :class:`OutputError` unless ``folder`` exists and can be written.

    ``what`` names the file that would go there, for the message (e.g. ``"'out.png'"``).
    """
    folder = folder if str(folder) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"folder '{folder}' for {what} does not exist; create it first")
    if not os.access(folder, os.W_OK):
        raise OutputError(f"folder '{folder}' is not writable; choose another place for {what}")
    return folder


@contextmanager
def atomic_output(out: Path) -> Iterator[str]:
    """Yield a temporary file name beside ``out``; when the block ends without an error the file
    gets the user's usual permissions and replaces ``out`` in one rename, else it is removed.

    A reader (or a crash) never sees half a file, and a failed write leaves nothing behind.
    """
    folder = out.parent if str(out.parent) else Path(".")
    handle, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=folder)
    os.close(handle)
    try:
        yield temp_name
        make_readable(temp_name)
        os.replace(temp_name, out)
    except BaseException:
        _remove_quietly(temp_name)
        raise


def write_text_atomically(out: Path, text: str) -> Path:
    """Write ``text`` (UTF-8, newlines as given) to ``out`` through :func:`atomic_output`."""
    with atomic_output(out) as temp_name:
        Path(temp_name).write_text(text, encoding="utf-8", newline="")
    return out


def make_readable(name: str) -> None:
    """Give a file made by ``mkstemp`` (mode 0600) the permissions the user's umask asks for,
    as a plain ``open`` would, so outputs are not private by accident."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)


def _remove_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass
