"""Running a study's cells one after another into a folder, resumably.

Each cell leaves its image and a small JSON record in ``DIR/cells``; a cell whose record matches
(same settings, same input files) is not run again, so an interrupted study resumes where it
stopped. Like the engine, the runner never prints: it reports through a callback receiving
:class:`StudyProgress`, and the CLI draws one progress bar over all cells.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from facestyle import __version__
from facestyle.config import record_inputs
from facestyle.engine import Progress, stylize
from facestyle.errors import OutputError
from facestyle.files import check_writable_folder, file_sha256, write_text_atomically
from facestyle.image.io import ImageSource, load_image, save_image
from facestyle.study.cells import Cell, settings_key, settings_record

#: Bumped when a record's fields change meaning, so older records are run again, not misread.
RECORD_VERSION = 1


@dataclass
class CellResult:
    """A finished cell: where its image is, its final costs, time and cost history."""

    cell: Cell
    image_path: Path
    costs: dict[str, float]
    seconds: float
    device: str
    history: list[dict[str, float]] = field(repr=False)
    reused: bool = False


@dataclass(frozen=True)
class StudyProgress:
    """Progress over a whole study: ``done`` of ``total`` steps, counting only the cells being run.

    ``event`` is the engine's step event, or None when a cell starts, is reused or has finished.
    """

    cell: Cell
    index: int
    cells: int
    done: int
    total: int
    event: Progress | None = None
    reused: bool = False


StudyCallback = Callable[[StudyProgress], Any]


def cell_paths(folder: Path, cell: Cell) -> tuple[Path, Path]:
    """Where a cell's image and record go: ``DIR/cells/KEY.png`` and ``DIR/cells/KEY.json``."""
    return folder / "cells" / f"{cell.key}.png", folder / "cells" / f"{cell.key}.json"


def fingerprint(source: ImageSource) -> str:
    """SHA-256 of an input: the file's bytes for a path, else the bytes or the decoded pixels."""
    if isinstance(source, (str, os.PathLike)):
        return file_sha256(source)
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    image = load_image(source)
    return hashlib.sha256(f"{image.mode}{image.size}".encode() + image.tobytes()).hexdigest()


def load_finished(folder: Path, cell: Cell, inputs: dict[str, Any]) -> CellResult | None:
    """The cell's saved result if its image and record exist and match its settings and inputs."""
    image_path, record_path = cell_paths(folder, cell)
    if not image_path.is_file() or not record_path.is_file():
        return None
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if (
        record.get("record") != RECORD_VERSION
        or record.get("settings") != settings_record(cell.settings)
        or record.get("inputs") != inputs
    ):
        return None
    return CellResult(
        cell=cell,
        image_path=image_path,
        costs=record.get("costs", {}),
        seconds=float(record.get("seconds", 0.0)),
        device=str(record.get("device", "")),
        history=record.get("history", []),
        reused=True,
    )


def run_study(
    content: ImageSource,
    styles: Sequence[ImageSource],
    cells: Sequence[Cell],
    folder: str | os.PathLike,
    *,
    progress: StudyCallback | None = None,
    redo: bool = False,
) -> list[CellResult]:
    """Run every cell not already finished in ``folder`` and return all cells' results, in order.

    Each cell's image is written with its settings embedded (and, for file inputs, the record
    that ``facestyle rerun`` needs); its JSON record holds the costs, seconds, device, settings,
    input hashes and the cost history. A cell with the same settings as an earlier one is not
    run again: it gets a copy of that cell's image and record. ``redo`` runs every cell again.

    Raises:
        OutputError: ``folder`` cannot be created or written.
        InputImageError, OptionError, WeightsError: as :func:`facestyle.stylize`.
    """
    out = prepare_folder(folder)
    (out / "cells").mkdir(exist_ok=True)
    styles = list(styles)
    inputs = {"content": fingerprint(content), "styles": [fingerprint(style) for style in styles]}
    finished = {cell.key: None if redo else load_finished(out, cell, inputs) for cell in cells}
    repeats = {cell.key for cell in _repeats(cells)}
    total = sum(_cell_steps(cell) for cell in cells if finished[cell.key] is None and cell.key not in repeats)
    report: StudyCallback = progress or (lambda _: None)
    same: dict[str, CellResult] = {}  # settings → the first result with them
    done = 0
    results: list[CellResult] = []
    for index, cell in enumerate(cells):
        key = settings_key(cell.settings)
        previous = finished[cell.key]
        if previous is None and key in same:
            previous = _copy_cell(out, same[key], cell)
        if previous is not None:
            same.setdefault(key, previous)
            results.append(previous)
            report(StudyProgress(cell, index, len(cells), done, total, reused=True))
            continue
        report(StudyProgress(cell, index, len(cells), done, total))

        def relay(event: Progress, cell: Cell = cell, index: int = index, offset: int = done) -> None:
            report(StudyProgress(cell, index, len(cells), offset + event.step, total, event))

        results.append(_run_cell(content, styles, cell, out, inputs, relay))
        same.setdefault(key, results[-1])
        done += _cell_steps(cell)
        report(StudyProgress(cell, index, len(cells), done, total))
    return results


def _run_cell(
    content: ImageSource,
    styles: list[ImageSource],
    cell: Cell,
    folder: Path,
    inputs: dict[str, Any],
    relay: Callable[[Progress], None],
) -> CellResult:
    """Stylize one cell, then save its image (settings embedded) and its JSON record."""
    result = stylize(content, styles, cell.settings, progress=relay)
    image_path, record_path = cell_paths(folder, cell)
    metadata = result.metadata()
    if all(isinstance(source, (str, os.PathLike)) for source in [content, *styles]):
        metadata["inputs"] = record_inputs(content, styles, image_path)  # type: ignore[arg-type]
    save_image(result.image, image_path, metadata=metadata)
    record = {
        "record": RECORD_VERSION,
        "facestyle": __version__,
        "cell": cell.key,
        "study": cell.study,
        "label": cell.label,
        "costs": result.final_costs,
        "seconds": result.seconds,
        "device": result.device,
        "settings": settings_record(cell.settings),
        "inputs": inputs,
        "history": result.history,
    }
    write_text_atomically(record_path, json.dumps(record, indent=1))
    return CellResult(cell, image_path, result.final_costs, result.seconds, result.device, result.history)


def _repeats(cells: Sequence[Cell]) -> list[Cell]:
    """The cells whose settings an earlier cell already has."""
    seen: set[str] = set()
    repeats = []
    for cell in cells:
        key = settings_key(cell.settings)
        if key in seen:
            repeats.append(cell)
        seen.add(key)
    return repeats


def _copy_cell(folder: Path, source: CellResult, cell: Cell) -> CellResult:
    """Give ``cell`` a copy of the image and record of ``source``, which has the same settings."""
    image_path, record_path = cell_paths(folder, cell)
    shutil.copyfile(source.image_path, image_path)
    _, source_record = cell_paths(folder, source.cell)
    record = json.loads(source_record.read_text(encoding="utf-8"))
    record.update(cell=cell.key, study=cell.study, label=cell.label)
    write_text_atomically(record_path, json.dumps(record, indent=1))
    return dataclasses.replace(source, cell=cell, image_path=image_path, reused=True)


def _cell_steps(cell: Cell) -> int:
    """How far a cell moves the study's progress: its steps, or one for a single AdaIN pass."""
    return cell.settings.steps if cell.settings.method == "gatys" else 1


def prepare_folder(folder: str | os.PathLike) -> Path:
    """Create the study folder (its parent must exist) and check it can be written.

    Raises:
        OutputError: the parent is missing, the path is a file, or it is not writable.
    """
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise OutputError(f"study folder '{out}' is a file; give a folder name")
    if not out.exists():
        check_writable_folder(out.parent, what=f"study folder '{out}'")
        try:
            out.mkdir()
        except OSError as error:
            raise OutputError(f"could not create study folder '{out}' ({error.strerror or error})") from None
    return check_writable_folder(out, what="the study's cells and tables")
