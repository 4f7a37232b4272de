"""The labelled contact sheet of a study: the inputs on the first row, then one row per study."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Sequence

from PIL import Image, ImageDraw

from facestyle.image.fonts import Font, has_greek, load_font
from facestyle.image.io import ImageSource, load_image, save_image
from facestyle.study.cells import STUDIES, STUDY_TITLES, cost_text
from facestyle.study.runner import CellResult

#: A titled row of (image, label lines) pairs.
SheetRow = tuple[str, list[tuple[Image.Image, list[str]]]]

PAD = 12

# A font without Greek letters would draw boxes for them, so labels are spelled out instead.
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
    font, title_font = load_font(font_size), load_font(font_size + 3)
    greek = has_greek(font)
    rows = [_input_row(content, styles)] + _study_rows(results)
    if not greek:
        rows = [(title.translate(_ASCII), [(image, _ascii(lines)) for image, lines in items]) for title, items in rows]
    sheet = _draw_sheet(rows, font, title_font, cell_size=cell_size, line=font_size + 5)
    out = Path(path)
    save_image(sheet, out)
    return out


def _input_row(content: ImageSource, styles: Sequence[ImageSource]) -> SheetRow:
    inputs = [(load_image(content, what="content image"), ["content (photo)"])]
    for number, style in enumerate(styles, 1):
        name = "style" if len(styles) == 1 else f"style {number}"
        inputs.append((load_image(style, what="style image"), [name]))
    return "inputs", inputs


def _study_rows(results: Sequence[CellResult]) -> list[SheetRow]:
    rows = []
    for study in STUDIES:
        chosen = [result for result in results if result.cell.study == study]
        if chosen:
            rows.append((STUDY_TITLES[study], [(_read(result.image_path), _cell_lines(result)) for result in chosen]))
    return rows


def _draw_sheet(rows: list[SheetRow], font: Font, title_font: Font, *, cell_size: int, line: int) -> Image.Image:
    """Lay the rows out on a white sheet: every column as wide as the widest label."""
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    labels = [label for _, items in rows for _, lines in items for label in lines]
    widest = max(measure.textlength(label, font=font) for label in labels)
    column_width = max(cell_size, math.ceil(widest)) + PAD
    columns = max(len(items) for _, items in rows)
    label_lines = max(len(lines) for _, items in rows for _, lines in items)
    row_height = (line + 10) + cell_size + 6 + label_lines * line + PAD
    sheet = Image.new("RGB", (PAD + columns * column_width, PAD + len(rows) * row_height), "white")
    draw = ImageDraw.Draw(sheet)
    y = PAD
    for title, items in rows:
        draw.text((PAD, y), title, fill=(20, 20, 20), font=title_font)
        y_image = y + line + 10
        for column, (image, lines) in enumerate(items):
            thumb = image.copy()
            thumb.thumbnail((cell_size, cell_size), Image.Resampling.LANCZOS)
            x = PAD + column * column_width
            sheet.paste(thumb, (x + (cell_size - thumb.width) // 2, y_image + (cell_size - thumb.height) // 2))
            for number, label in enumerate(lines):
                colour = (0, 0, 0) if number == 0 else (80, 80, 80)
                draw.text((x, y_image + cell_size + 6 + number * line), label, fill=colour, font=font)
        y += row_height
    return sheet


def _ascii(lines: list[str]) -> list[str]:
    return [line.translate(_ASCII) for line in lines]


def _read(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def _cell_lines(result: CellResult) -> list[str]:
    """A cell's label, what it varied, then its final costs and seconds (only seconds for AdaIN)."""
    costs = result.costs
    lines = [result.cell.label, result.cell.detail]
    if costs:
        lines.append(f"Jc {cost_text(costs.get('content'))}   Js {cost_text(costs.get('style'))}")
        lines.append(f"J {cost_text(costs.get('total'))}   {result.seconds:.0f} s")
    else:
        lines.append(f"{result.seconds:.1f} s")
    return lines
