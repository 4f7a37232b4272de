"""Settings of the studio server itself: where its data lives and the limits it enforces.

These are not stylisation options (those live in :class:`facestyle.settings.Settings`); they are
what the person running ``facestyle serve`` decides: retention, upload limits, queue length.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from facestyle.errors import OptionError

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class StudioConfig:
    """Options of one studio server.

    ``devices`` empty means one worker per device found: each CUDA GPU, else the CPU.
    ``allowed_hosts`` None accepts any Host header; ``serve`` sets it for loopback binds so that
    a web page elsewhere cannot reach the studio through DNS rebinding.
    """

    data_dir: Path
    retention_hours: float = 24.0
    max_upload_bytes: int = 20 * MEGABYTE
    max_upload_pixels: int = 50_000_000
    max_size: int = 1024
    #: Long side of the "print" version offered after a portrait (0: none). Photos are kept at this
    #: resolution so the print has their detail; ordinary jobs stay within ``max_size``.
    print_size: int = 2048
    max_steps: int = 1000
    queue_limit: int = 8
    devices: tuple[str, ...] = ()
    preview_seconds: float = 0.5
    preview_size: int = 384
    allowed_hosts: tuple[str, ...] | None = None
    # How often the janitor looks for expired jobs; None: a tenth of the retention, 1 s to 10 min.
    sweep_seconds: float | None = field(default=None)

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        if not self.retention_hours > 0:
            raise OptionError(f"retention must be more than 0 hours, not {self.retention_hours}")
        for name in ("max_upload_bytes", "max_upload_pixels", "max_size", "max_steps"):
            if getattr(self, name) < 1:
                raise OptionError(f"{name} must be 1 or more, not {getattr(self, name)}")
        if self.print_size < 0:
            raise OptionError(f"print_size must be 0 (no print option) or more, not {self.print_size}")
        if self.queue_limit < 1:
            raise OptionError(f"queue_limit must be 1 or more, not {self.queue_limit}")

    @property
    def largest_size(self) -> int:
        """The largest long side a job may ask for: the print size when offered, else ``max_size``."""
        return max(self.max_size, self.print_size)

    @property
    def retention_seconds(self) -> float:
        return self.retention_hours * 3600.0

    @property
    def sweep_interval(self) -> float:
        if self.sweep_seconds is not None:
            return self.sweep_seconds
        return min(max(self.retention_seconds / 10, 1.0), 600.0)

    @property
    def database(self) -> Path:
        return self.data_dir / "jobs.sqlite3"

    @property
    def jobs_dir(self) -> Path:
        return self.data_dir / "jobs"


def default_data_dir() -> Path:
    """``$FACESTYLE_DATA``, else ``$XDG_DATA_HOME/facestyle/studio``, else ``~/.local/share/facestyle/studio``."""
    chosen = os.environ.get("FACESTYLE_DATA")
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "facestyle" / "studio"


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by this user only (mode 0700), tightening it if it exists.

    Uploaded faces are personal data: other accounts on the machine must not be able to list or
    read them.
    """
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path
