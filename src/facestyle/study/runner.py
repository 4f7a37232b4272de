"""The report's parameter studies as data, a resumable runner, and their outputs.

A study is a list of :class:`Cell`\\ s: settings that vary one thing over a base (a recipe or
facestyle's defaults). The report (MISSION.md §3) ran two: style-layer weights λ (deep-heavy,
balanced, shallow-heavy at α = 10, β = 40) and the content:style ratio α:β (40:10 against 10:40 with
every λ = 0.2). :func:`run_study` runs the cells one after another into a folder, saving each
cell's image and a small JSON record, and skips a cell whose record matches (same settings, same
input files), so an interrupted study resumes where it stopped. :func:`write_tables`,
:func:`contact_sheet` and :func:`plot_study` turn the records into a Markdown and a CSV table, a
labelled contact sheet and one plot of all cost curves; :func:`write_outputs` writes all three.

Like the engine, the runner never prints: it reports through a callback receiving
:class:`StudyProgress`, and the CLI draws one progress bar over all cells.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import math
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from PIL import Image, ImageDraw, ImageFont

from facestyle.engine import Progress, stylize
from facestyle.errors import OptionError, OutputError
from facestyle.files import write_text_atomically
from facestyle.image.io import ImageSource, load_image, save_image
from facestyle.settings import (
    STYLE_LAYER_PRESETS,
    LayerWeights,
    Settings,
    parse_style_layers,
)

STUDIES = ("layers", "ratios", "strengths")
#: The report's two studies, run when no study is named.
DEFAULT_LAYERS = "deep,balanced,shallow"
DEFAULT_RATIOS = "40:10,10:40"
#: The report's names for the layer presets.
PRESET_LABELS = {"deep": "deep-heavy", "balanced": "balanced", "shallow": "shallow-heavy"}
STUDY_TITLES = {
    "layers": "style-layer weights λ",
    "ratios": "content:style ratio α:β (every λ = 0.2)",
    "strengths": "strength (β·strength)",
}
RECORD_VERSION = 1


@dataclass(frozen=True)
class Cell:
    """One setting of a study: ``key`` names its files, ``label`` and ``detail`` go on the sheet."""

    key: str
    study: str
    label: str
    detail: str
    settings: Settings


# -- parsing the studies ----------------------------------------------------------------------


def parse_layer_list(text: str) -> list[tuple[str, LayerWeights]]:
    """``"deep,balanced,shallow"`` → presets; with ``=`` in it, ``;`` separates custom specs.

    Raises:
        OptionError: an unknown preset or layer (with a hint), a bad weight, a repeated entry.
    """
    items = [item.strip() for item in (text.split(";") if "=" in text else text.split(","))]
    if not any(items):
        raise OptionError("no style-layer settings given; use e.g. --layers deep,balanced,shallow")
    result: list[tuple[str, LayerWeights]] = []
    for item in items:
        if not item:
            raise OptionError(f"--layers '{text}' has an empty entry; separate presets with commas")
        weights = parse_style_layers(item)
        name = item if item in STYLE_LAYER_PRESETS else _layers_text(weights)
        if any(weights == seen for _, seen in result):
            raise OptionError(f"style layers '{item}' are given twice in --layers")
        result.append((name, weights))
    return result


def parse_ratios(text: str) -> list[tuple[float, float]]:
    """``"40:10,10:40"`` → [(α, β), …].

    Raises:
        OptionError: an entry that is not two numbers, a negative or non-finite weight, α = β = 0,
            or a repeated ratio.
    """
    result: list[tuple[float, float]] = []
    for item in [item.strip() for item in text.split(",")]:
        parts = item.split(":")
        try:
            if len(parts) != 2:
                raise ValueError
            alpha, beta = float(parts[0]), float(parts[1])
        except ValueError:
            raise OptionError(f"ratio '{item}' is not ALPHA:BETA with two numbers, like 40:10") from None
        if not all(math.isfinite(value) for value in (alpha, beta)):
            raise OptionError(f"ratio '{item}' must be two finite numbers, like 40:10")
        if alpha < 0 or beta < 0:
            raise OptionError(f"ratio '{item}' has a negative weight; α and β must be 0 or more")
        if alpha == 0 and beta == 0:
            raise OptionError(f"ratio '{item}' makes α and β both 0, so there is nothing to optimise")
        if (alpha, beta) in result:
            raise OptionError(f"ratio '{item}' is given twice in --ratios")
        result.append((alpha, beta))
    return result


def parse_strengths(text: str) -> list[float]:
    """``"0.5,1,2"`` → [0.5, 1.0, 2.0] (each checked again when its settings are made).

    Raises:
        OptionError: an entry that is not a number, or a repeated value.
    """
    result: list[float] = []
    for item in [item.strip() for item in text.split(",")]:
        try:
            value = float(item)
        except ValueError:
            raise OptionError(f"strength '{item}' is not a number; give a list like 0.5,1,2") from None
        if value in result:
            raise OptionError(f"strength '{item}' is given twice in --strengths")
        result.append(value)
    return result


def make_cells(
    base: Settings,
    *,
    layers: Sequence[tuple[str, LayerWeights]] = (),
    ratios: Sequence[tuple[float, float]] = (),
    strengths: Sequence[float] = (),
) -> list[Cell]:
    """The cells of the studies asked for, over ``base``; layer cells first, as in the report.

    Layer cells keep the base's α and β; ratio cells use balanced λ, as the report did.

    Raises:
        OptionError: no study asked for, a study that cannot vary anything under ``base``'s method,
            or an invalid value for a cell (e.g. strength 20).
    """
    if not (layers or ratios or strengths):
        raise OptionError("no study given; use --layers, --ratios and/or --strengths")
    if base.method != "gatys" and (layers or ratios):
        raise OptionError("method adain ignores style layers and α:β; use method gatys for --layers and --ratios")
    cells: list[Cell] = []
    for name, weights in layers:
        cells.append(
            Cell(
                key=f"layers-{_slug(name)}",
                study="layers",
                label=PRESET_LABELS.get(name, "custom λ"),
                detail=f"λ {_layers_text(weights)}",
                settings=base.replace(style_layers=weights),
            )
        )
    for alpha, beta in ratios:
        cells.append(
            Cell(
                key=f"ratio-{_number(alpha)}-{_number(beta)}",
                study="ratios",
                label=f"α:β = {_number(alpha)}:{_number(beta)}",
                detail="λ all 0.2",
                settings=base.replace(alpha=alpha, beta=beta, style_layers=STYLE_LAYER_PRESETS["balanced"]),
            )
        )
    for strength in strengths:
        try:
            settings = base.replace(strength=strength)
        except OptionError as error:
            raise OptionError(f"--strengths: {error}") from None
        cells.append(
            Cell(
                key=f"strength-{_number(strength)}",
                study="strengths",
                label=f"strength {_number(strength)}",
                detail=f"β·strength = {_number(settings.style_weight)}"
                if base.method == "gatys"
                else "AdaIN blend",
                settings=settings,
            )
        )
    return _mark_repeats(cells)


def _mark_repeats(cells: list[Cell]) -> list[Cell]:
    """Say on a cell's label when an earlier cell has the same settings (the report's two studies
    share one: balanced λ at α = 10, β = 40 is also α:β = 10:40); :func:`run_study` runs it once."""
    first: dict[str, Cell] = {}
    marked = []
    for cell in cells:
        key = json.dumps(_comparable(cell.settings), sort_keys=True)
        if key in first:
            cell = dataclasses.replace(cell, detail=f"{cell.detail}, = {first[key].label}")
        else:
            first[key] = cell
        marked.append(cell)
    return marked


def _number(value: float) -> str:
    return f"{value:g}"


def _slug(name: str) -> str:
    if name in STYLE_LAYER_PRESETS:
        return name
    return hashlib.sha256(name.encode()).hexdigest()[:8]


def _layers_text(weights: LayerWeights) -> str:
    """λ as ``relu1_1..relu5_1`` values when those five are the layers, else ``name=w`` pairs."""
    names = [name for name, _ in weights]
    if names == [f"relu{block}_1" for block in range(1, 6)]:
        return "/".join(_number(weight) for _, weight in weights)
    return ",".join(f"{name}={_number(weight)}" for name, weight in weights)


# -- running ----------------------------------------------------------------------------------


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
        from facestyle.files import file_sha256

        return file_sha256(source)
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    image = load_image(source)
    return hashlib.sha256(f"{image.mode}{image.size}".encode() + image.tobytes()).hexdigest()


def _comparable(settings: Settings) -> Any:
    return json.loads(json.dumps(settings.to_dict(), sort_keys=True))


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
        or record.get("settings") != _comparable(cell.settings)
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
    from facestyle import __version__
    from facestyle.config import record_inputs

    out = prepare_folder(folder)
    (out / "cells").mkdir(exist_ok=True)
    styles = list(styles)
    inputs = {"content": fingerprint(content), "styles": [fingerprint(style) for style in styles]}
    are_files = all(isinstance(source, (str, os.PathLike)) for source in [content, *styles])
    finished = {cell.key: None if redo else load_finished(out, cell, inputs) for cell in cells}
    same: dict[str, CellResult] = {}  # settings → the first result with them
    total = sum(_cell_steps(cell) for cell in cells if finished[cell.key] is None) - sum(
        _cell_steps(cell) for cell in _repeats(cells) if finished[cell.key] is None
    )
    done = 0
    results: list[CellResult] = []
    for index, cell in enumerate(cells):
        settings_key = json.dumps(_comparable(cell.settings), sort_keys=True)
        previous = finished[cell.key]
        if previous is None and settings_key in same:
            previous = _copy_cell(out, same[settings_key], cell)
        if previous is not None:
            same.setdefault(settings_key, previous)
            results.append(previous)
            if progress is not None:
                progress(StudyProgress(cell, index, len(cells), done, total, reused=True))
            continue
        offset = done
        if progress is not None:
            progress(StudyProgress(cell, index, len(cells), done, total))

        def relay(event: Progress, cell: Cell = cell, index: int = index, offset: int = offset) -> None:
            if progress is not None:
                progress(StudyProgress(cell, index, len(cells), offset + event.step, total, event))

        result = stylize(content, styles, cell.settings, progress=relay)
        done = offset + _cell_steps(cell)
        image_path, record_path = cell_paths(out, cell)
        metadata = result.metadata()
        if are_files:
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
            "settings": _comparable(cell.settings),
            "inputs": inputs,
            "history": result.history,
        }
        write_text_atomically(record_path, json.dumps(record, indent=1))
        results.append(
            CellResult(cell, image_path, result.final_costs, result.seconds, result.device, result.history)
        )
        same.setdefault(settings_key, results[-1])
        if progress is not None:
            progress(StudyProgress(cell, index, len(cells), done, total))
    return results


def _repeats(cells: Sequence[Cell]) -> list[Cell]:
    """The cells whose settings an earlier cell already has."""
    seen: set[str] = set()
    repeats = []
    for cell in cells:
        key = json.dumps(_comparable(cell.settings), sort_keys=True)
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
    return cell.settings.steps if cell.settings.method == "gatys" else 1


def prepare_folder(folder: str | os.PathLike) -> Path:
    """Create the study folder (its parent must exist) and check it can be written.

    Raises:
        OutputError: the parent is missing, the path is a file, or it is not writable.
    """
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise OutputError(f"study folder '{out}' is a file; give a folder name")
    parent = out.parent if str(out.parent) else Path(".")
    if not out.exists():
        if not parent.is_dir():
            raise OutputError(f"folder '{parent}' for study folder '{out}' does not exist; create it first")
        try:
            out.mkdir()
        except OSError as error:
            raise OutputError(f"could not create study folder '{out}' ({error.strerror or error})") from None
    if not os.access(out, os.W_OK):
        raise OutputError(f"study folder '{out}' is not writable; choose another folder")
    return out


# -- tables, plot and contact sheet ----------------------------------------------------------

TABLE_COLUMNS = ("study", "cell", "style_layers", "alpha", "beta", "strength", "J", "J_content", "J_style", "seconds")


def table_rows(results: Sequence[CellResult]) -> list[dict[str, Any]]:
    """One row per cell: what varied and the final J, J_content, J_style and seconds."""
    rows = []
    for result in results:
        settings = result.cell.settings
        rows.append(
            {
                "study": result.cell.study,
                "cell": result.cell.label,
                "style_layers": _layers_text(settings.style_layers),
                "alpha": settings.alpha,
                "beta": settings.beta,
                "strength": settings.strength,
                "J": result.costs.get("total"),
                "J_content": result.costs.get("content"),
                "J_style": result.costs.get("style"),
                "seconds": round(result.seconds, 2),
            }
        )
    return rows


def write_tables(
    results: Sequence[CellResult], folder: str | os.PathLike, *, heading: str = "", notes: Sequence[str] = ()
) -> tuple[Path, Path]:
    """Write ``study.md`` (one table per study) and ``study.csv`` (all cells) into ``folder``."""
    out = Path(folder)
    rows = table_rows(results)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=TABLE_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    csv_path = out / "study.csv"
    write_text_atomically(csv_path, buffer.getvalue())

    lines = [f"# {heading}" if heading else "# facestyle study", ""]
    lines += [*notes, ""] if notes else []
    for study in STUDIES:
        chosen = [row for row in rows if row["study"] == study]
        if not chosen:
            continue
        lines += [f"## {STUDY_TITLES[study]}", ""]
        lines += [
            "| cell | λ relu1_1/2_1/3_1/4_1/5_1 | α | β | strength | J | J_content | J_style | seconds |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in chosen:
            lines.append(
                f"| {row['cell']} | {row['style_layers']} | {_number(row['alpha'])} | {_number(row['beta'])} | "
                f"{_number(row['strength'])} | {_cost(row['J'])} | {_cost(row['J_content'])} | "
                f"{_cost(row['J_style'])} | {row['seconds']:.1f} |"
            )
        lines.append("")
    md_path = out / "study.md"
    write_text_atomically(md_path, "\n".join(lines))
    return md_path, csv_path


def _cost(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def plot_study(
    results: Sequence[CellResult], path: str | os.PathLike, *, title: str = "facestyle study"
) -> Path | None:
    """All cells' J curves in one plot (log scale); None when no cell has a history (AdaIN)."""
    from facestyle.costlog import plot_histories

    curves = {f"{r.cell.label} ({r.cell.detail})": r.history for r in results if r.history}
    if not curves:
        return None
    return plot_histories(curves, path, title=title)


def _font(size: int) -> tuple[Any, bool]:
    """A font for the sheet's labels and whether it has Greek letters (α, β, λ).

    matplotlib (a dependency) ships DejaVu Sans, which has them; Pillow's own default font does not.
    """
    try:
        import matplotlib

        path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        return ImageFont.truetype(str(path), size), True
    except (ImportError, OSError):
        pass
    try:
        return ImageFont.load_default(size=size), False
    except (TypeError, OSError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default(), False


_ASCII = str.maketrans({"α": "a", "β": "b", "λ": "lambda", "·": "*", "–": "-"})


def contact_sheet(
    content: ImageSource,
    styles: Sequence[ImageSource],
    results: Sequence[CellResult],
    path: str | os.PathLike,
    *,
    cell_size: int = 256,
    font_size: int = 14,
) -> Path:
    """A labelled grid: the inputs on the first row, then one row per study, each cell with its
    label, what it varied, J_content, J_style, J and seconds.

    Images are shrunk (never enlarged) to fit ``cell_size``; columns widen to fit their labels.
    Returns the path written (PNG or JPEG, by extension).
    """
    font, greek = _font(font_size)
    title_font, _ = _font(font_size + 3)
    text = (lambda line: line) if greek else (lambda line: line.translate(_ASCII))
    line = font_size + 5
    pad = 12
    rows: list[tuple[str, list[tuple[Image.Image, list[str]]]]] = []
    inputs = [(load_image(content, what="content image"), ["content (photo)"])]
    for number, style in enumerate(styles, 1):
        name = "style" if len(styles) == 1 else f"style {number}"
        inputs.append((load_image(style, what="style image"), [name]))
    rows.append(("inputs", inputs))
    for study in STUDIES:
        chosen = [r for r in results if r.cell.study == study]
        if chosen:
            rows.append((STUDY_TITLES[study], [(_read(r.image_path), _cell_lines(r)) for r in chosen]))
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    labels = [label for _, items in rows for _, lines in items for label in lines]
    widest = max(measure.textlength(text(label), font=font) for label in labels)
    column_width = max(cell_size, math.ceil(widest)) + pad
    columns = max(len(items) for _, items in rows)
    label_lines = max(len(lines) for _, items in rows for _, lines in items)
    row_height = (line + 10) + cell_size + 6 + label_lines * line + pad
    sheet = Image.new("RGB", (pad + columns * column_width, pad + len(rows) * row_height), "white")
    draw = ImageDraw.Draw(sheet)
    y = pad
    for title, items in rows:
        draw.text((pad, y), text(title), fill=(20, 20, 20), font=title_font)
        y_image = y + line + 10
        for column, (image, lines) in enumerate(items):
            thumb = image.copy()
            thumb.thumbnail((cell_size, cell_size), Image.Resampling.LANCZOS)
            x = pad + column * column_width
            sheet.paste(thumb, (x + (cell_size - thumb.width) // 2, y_image + (cell_size - thumb.height) // 2))
            for number, label in enumerate(lines):
                colour = (0, 0, 0) if number == 0 else (80, 80, 80)
                draw.text((x, y_image + cell_size + 6 + number * line), text(label), fill=colour, font=font)
        y += row_height
    out = Path(path)
    save_image(sheet, out)
    return out


def _read(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def _cell_lines(result: CellResult) -> list[str]:
    costs = result.costs
    lines = [result.cell.label, result.cell.detail]
    if costs:
        lines.append(f"Jc {_cost(costs.get('content'))}   Js {_cost(costs.get('style'))}")
        lines.append(f"J {_cost(costs.get('total'))}   {result.seconds:.0f} s")
    else:
        lines.append(f"{result.seconds:.1f} s")
    return lines


def write_outputs(
    content: ImageSource,
    styles: Sequence[ImageSource],
    results: Sequence[CellResult],
    folder: str | os.PathLike,
    *,
    base: Settings,
) -> None:
    """Everything a finished study writes besides its cells: study.md, study.csv, sheet.png, costs.png."""
    from facestyle import __version__

    out = Path(folder)
    title = f"{_source_name(content)} in the style of {', '.join(_source_name(style) for style in styles)}"
    notes = [
        f"Made by `facestyle study` (facestyle {__version__}) on {results[0].device}. Base settings: "
        + describe_base(base)
        + ". Each cell's J uses that cell's own α, β and λ; J_content and J_style are the report's "
        "normalised costs before weighting (J_style = Σ λ·J_style^[ℓ]).",
    ]
    write_tables(results, out, heading=title, notes=notes)
    contact_sheet(content, styles, results, out / "sheet.png")
    plot_study(results, out / "costs.png", title="facestyle study: J of every cell")


def _source_name(source: ImageSource) -> str:
    """A file's name for titles; "image" for bytes or PIL images given through the API."""
    return Path(source).name if isinstance(source, (str, os.PathLike)) else "image"


def describe_base(settings: Settings) -> str:
    """The base settings of a study in one line, for the notes above its tables."""
    parts = [f"size {settings.size}", f"{settings.optimizer} lr {settings.learning_rate:g}", f"{settings.steps} steps"]
    if settings.scales > 1 and settings.method == "gatys":
        parts.append(f"{settings.scales} scales from {settings.min_size} px")
    parts += [
        f"content layer {settings.content_layer}",
        f"α {settings.alpha:g}",
        f"β {settings.beta:g}",
        f"init {settings.init}",
        f"seed {settings.seed}",
    ]
    if settings.recipe:
        parts.insert(0, f"recipe {settings.recipe}")
    elif settings.objective != "facestyle":
        parts.insert(0, f"objective {settings.objective}")
    if settings.strength != 1:
        parts.append(f"strength {settings.strength:g}")
    if settings.preserve_color:
        parts.append(f"preserve_color {settings.preserve_color}")
    return ", ".join(parts)
