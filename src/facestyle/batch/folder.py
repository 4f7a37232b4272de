"""Paint a folder of photos: check everything first, skip what is done, write each output and a summary.

:func:`paint_folder` is the whole batch: arguments are checked before anything is written; photos
whose output already embeds the same photo, paintings and settings are kept; the rest go to a
:class:`~facestyle.batch.runner.Runner`; each portrait is written atomically as it arrives, and
``summary.csv`` is written at the end, also when the batch is interrupted, so that running the
same batch again resumes where it stopped.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from facestyle.batch.plan import (
    SUMMARY_NAME,
    PhotoJob,
    check_output_folder,
    find_photos,
    finished_record,
    make_folder,
    plan_jobs,
    style_hashes,
)
from facestyle.batch.runner import InProcessRunner, Painted, Runner
from facestyle.errors import FacestyleError, OptionError
from facestyle.events import Progress
from facestyle.files import write_text_atomically
from facestyle.settings import Settings, make_settings

DONE, ALREADY_DONE, FAILED, NOT_RUN = "done", "already done", "failed", "not run"
SUMMARY_COLUMNS = ("photo", "status", "seconds", "J", "J_content", "J_style", "error", "note", "output")


@dataclass
class PhotoRow:
    """One photo's line of the summary."""

    photo: str
    output: str
    status: str = NOT_RUN
    seconds: float | None = None
    costs: dict[str, float] = field(default_factory=dict)
    error: str = ""
    note: str = ""


@dataclass(frozen=True)
class BatchUpdate:
    """A batch's progress: a step of the photo being painted (``event``) or a finished photo (``row``).

    ``finished`` photos of ``to_paint`` are done this time (photos kept from before not counted).
    """

    job: PhotoJob
    finished: int
    to_paint: int
    event: Progress | None = None
    row: PhotoRow | None = None


@dataclass
class BatchReport:
    """What a batch did: one row per photo, in name order, and where the summary went."""

    folder: Path
    rows: list[PhotoRow]
    summary: Path
    #: Said once for the whole batch rather than for every photo (e.g. a slow precision).
    notices: tuple[str, ...] = ()

    def with_status(self, status: str) -> list[PhotoRow]:
        return [row for row in self.rows if row.status == status]

    @property
    def failed(self) -> list[PhotoRow]:
        return self.with_status(FAILED)


BatchCallback = Callable[[BatchUpdate], Any]


def paint_folder(
    photos: str | os.PathLike,
    style: str | os.PathLike | Sequence[str | os.PathLike],
    output: str | os.PathLike,
    settings: Settings | None = None,
    *,
    progress: BatchCallback | None = None,
    redo: bool = False,
    runner: Runner | None = None,
    recipe: str | None = None,
    objective: str | None = None,
    **options: Any,
) -> BatchReport:
    """Paint every photo in the folder ``photos`` in the style of ``style`` into the folder ``output``.

    Each photo ``NAME.jpg`` becomes ``output/NAME.png`` with its settings and inputs embedded, as
    ``facestyle run`` writes it; ``output/summary.csv`` lists every photo's status, seconds, costs
    and error. A photo that fails (unreadable, truncated) is reported in its row and the others go
    on. Run again, photos whose output was made from the same photo, paintings and settings are
    kept (``redo=True`` paints them all again).

    Args:
        settings, recipe, objective, options: as for :func:`facestyle.stylize`.
        progress: called with a :class:`BatchUpdate` after every step and every finished photo.
        runner: who paints; default :class:`~facestyle.batch.runner.InProcessRunner`.

    Raises:
        InputImageError, OptionError, OutputError: a bad argument; nothing has been written.
    """
    settings = make_settings(recipe=recipe, objective=objective, base=settings, **options)
    styles = [Path(style)] if isinstance(style, (str, os.PathLike)) else [Path(item) for item in style]
    jobs, out, notice = _checked_plan(photos, styles, output, settings)
    hashes = None if redo else style_hashes(styles)
    rows = {job.photo: _kept_or_waiting(job, hashes) for job in jobs}
    todo = [job for job in jobs if rows[job.photo].status == NOT_RUN]
    make_folder(out)
    summary = out / SUMMARY_NAME
    finished = 0

    def on_step(job: PhotoJob, event: Progress) -> None:
        if progress is not None:
            progress(BatchUpdate(job, finished, len(todo), event=event))

    try:
        for painted in (runner or InProcessRunner()).paint(todo, on_step):
            row = _finish(painted, skip_notes=(notice,))
            rows[painted.job.photo] = row
            finished += 1
            if progress is not None:
                progress(BatchUpdate(painted.job, finished, len(todo), row=row))
    finally:
        write_summary(summary, rows.values())
    return BatchReport(out, list(rows.values()), summary, (notice,) if notice else ())


def _checked_plan(
    photos: str | os.PathLike, styles: list[Path], output: str | os.PathLike, settings: Settings
) -> tuple[list[PhotoJob], Path, str | None]:
    """The jobs, the output folder (not created yet) and a notice for the whole batch, after
    checking every argument: bad ones raise before anything is written."""
    from facestyle.engine import resolve_device
    from facestyle.features.encoder import precision_notice
    from facestyle.image.io import load_image

    notice = precision_notice(settings, resolve_device(settings.device))
    if not styles:
        raise OptionError("no painting was given; name the style image to paint in with --style")
    photo_paths = find_photos(photos)
    for path in styles:
        load_image(path, what="style image")
    out = check_output_folder(output, photos)
    return plan_jobs(photo_paths, styles, settings, out), out, notice


def _kept_or_waiting(job: PhotoJob, hashes: list[str] | None) -> PhotoRow:
    record = finished_record(job, hashes) if hashes is not None else None
    if record is None:
        return PhotoRow(job.name, job.output.name)
    made = record.get("batch") if isinstance(record.get("batch"), dict) else {}
    costs = made.get("costs") if isinstance(made.get("costs"), dict) else {}
    return PhotoRow(job.name, job.output.name, ALREADY_DONE, made.get("seconds"), costs, note=made.get("note", ""))


def _finish(painted: Painted, *, skip_notes: Iterable[str | None] = ()) -> PhotoRow:
    """Write a painted photo's output (atomically) and make its row."""
    from facestyle.config import output_metadata
    from facestyle.image.io import save_image

    job = painted.job
    row = PhotoRow(job.name, job.output.name, seconds=round(painted.seconds, 3))
    if painted.error is not None or painted.image is None:
        row.status, row.error = FAILED, painted.error or "the painter returned no image"
        return row
    row.costs = dict(painted.costs)
    skipped = set(skip_notes)
    row.note = "; ".join(note for note in painted.notes if note not in skipped)
    try:
        metadata = output_metadata(job.settings, content=job.photo, styles=list(job.styles), output=job.output)
        metadata["batch"] = {"seconds": row.seconds, "costs": row.costs, "note": row.note}
        save_image(painted.image, job.output, metadata=metadata)
    except (FacestyleError, OSError) as error:  # the disk filled up, the photo vanished meanwhile
        row.status, row.error = FAILED, str(error)
        return row
    row.status = DONE
    return row


def write_summary(path: Path, rows: Iterable[PhotoRow]) -> Path:
    """``summary.csv``: one line per photo with its status, seconds, J, J_content, J_style and error."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                "photo": row.photo,
                "status": row.status,
                "seconds": "" if row.seconds is None else f"{row.seconds:.2f}",
                "J": _cost(row.costs, "total"),
                "J_content": _cost(row.costs, "content"),
                "J_style": _cost(row.costs, "style"),
                "error": row.error,
                "note": row.note,
                "output": row.output if row.status in (DONE, ALREADY_DONE) else "",
            }
        )
    return write_text_atomically(path, buffer.getvalue())


def _cost(costs: dict[str, float], key: str) -> str:
    value = costs.get(key)
    return "" if value is None else f"{value:.6g}"
