"""What a finished study writes besides its cells: the tables, one plot of all cost curves, and
(through :mod:`facestyle.study.sheet`) the contact sheet (docs/cli.md#facestyle-study)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any, Sequence

from facestyle import __version__
from facestyle.costlog import plot_histories
from facestyle.files import write_text_atomically
from facestyle.image.io import ImageSource
from facestyle.settings import Settings
from facestyle.study.cells import (
    STUDIES,
    STUDY_TITLES,
    cost_text,
    layers_text,
    number_text,
)
from facestyle.study.runner import CellResult
from facestyle.study.sheet import contact_sheet

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
                "style_layers": layers_text(settings.style_layers),
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
        if chosen:
            lines += _markdown_table(STUDY_TITLES[study], chosen)
    md_path = out / "study.md"
    write_text_atomically(md_path, "\n".join(lines))
    return md_path, csv_path


def _markdown_table(title: str, rows: Sequence[dict[str, Any]]) -> list[str]:
    lines = [
        f"## {title}",
        "",
        "| cell | λ relu1_1/2_1/3_1/4_1/5_1 | α | β | strength | J | J_content | J_style | seconds |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['cell']} | {row['style_layers']} | {number_text(row['alpha'])} | {number_text(row['beta'])} | "
            f"{number_text(row['strength'])} | {cost_text(row['J'])} | {cost_text(row['J_content'])} | "
            f"{cost_text(row['J_style'])} | {row['seconds']:.1f} |"
        )
    return [*lines, ""]


def plot_study(
    results: Sequence[CellResult], path: str | os.PathLike, *, title: str = "facestyle study"
) -> Path | None:
    """All cells' J curves in one plot (log scale); None when no cell has a history (AdaIN)."""
    curves = {f"{r.cell.label} ({r.cell.detail})": r.history for r in results if r.history}
    if not curves:
        return None
    return plot_histories(curves, path, title=title)


def write_outputs(
    content: ImageSource,
    styles: Sequence[ImageSource],
    results: Sequence[CellResult],
    folder: str | os.PathLike,
    *,
    base: Settings,
) -> None:
    """Everything a finished study writes besides its cells: study.md, study.csv, sheet.png, costs.png."""
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
