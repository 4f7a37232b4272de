"""Job ids and the job folders on disk: ``<data>/jobs/<id>/{content,style,result}.png, preview.jpg``.

A job id is 128 random bits (``secrets.token_urlsafe``), so ids cannot be guessed; the id is also
the only part of any path that comes from a request, and it must match :data:`JOB_ID` first.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path

from facestyle.web.config import make_private_dir

#: 16 random bytes in URL-safe base64 without padding: 22 characters.
JOB_ID = re.compile(r"[A-Za-z0-9_-]{22}")


def new_job_id() -> str:
    return secrets.token_urlsafe(16)


def is_job_id(text: str) -> bool:
    return JOB_ID.fullmatch(text) is not None


class JobFiles:
    """Where one job's files go. Every method refuses a string that is not a job id."""

    CONTENT = "content.png"
    STYLE = "style.png"
    PREVIEW = "preview.jpg"
    RESULT = "result.png"

    def __init__(self, root: Path):
        self.root = make_private_dir(Path(root))

    def folder(self, job_id: str) -> Path:
        if not is_job_id(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return self.root / job_id

    def create(self, job_id: str) -> Path:
        folder = self.folder(job_id)
        folder.mkdir(mode=0o700)
        return folder

    def path(self, job_id: str, name: str) -> Path:
        return self.folder(job_id) / name

    def read(self, job_id: str, name: str) -> bytes | None:
        """The file's bytes, or None when it does not exist (yet, or any more)."""
        try:
            return self.path(job_id, name).read_bytes()
        except FileNotFoundError:
            return None

    def remove(self, job_id: str) -> None:
        shutil.rmtree(self.folder(job_id), ignore_errors=True)

    def share(self, source_id: str, job_id: str, name: str) -> None:
        """Give ``job_id`` its own entry for ``source_id``'s file ``name``: a hard link, else a copy.

        Deleting either job then removes only its own entry, so each keeps its inputs for as long as
        it lives. A link is safe because stored files are never changed in place (see
        :meth:`write_atomic`). Raises FileNotFoundError when the source file has gone.
        """
        source, target = self.path(source_id, name), self.path(job_id, name)
        try:
            os.link(source, target)
        except FileNotFoundError:
            raise
        except OSError:  # a file system without hard links
            if not self.write_atomic(job_id, name, source.read_bytes()):
                raise FileNotFoundError(target) from None

    def job_ids_on_disk(self) -> list[str]:
        """Ids of the job folders present, to find folders no job row points to any more."""
        return [entry.name for entry in self.root.iterdir() if entry.is_dir() and is_job_id(entry.name)]

    def write_atomic(self, job_id: str, name: str, data: bytes) -> bool:
        """Write ``data`` via a temp file and rename, so a reader never sees half a file.

        Returns False when the job folder has gone (the job was deleted while it ran).
        """
        folder = self.folder(job_id)
        try:
            handle, temp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
        except FileNotFoundError:
            return False
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temp_name, folder / name)
        except FileNotFoundError:
            return False
        finally:
            if os.path.exists(temp_name):
                os.unlink(temp_name)
        return True
