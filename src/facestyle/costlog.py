"""Turning a run's cost history into files a person can read: a CSV or JSON log and a PNG plot."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Sequence

from facestyle.errors import OutputError
from facestyle.files import atomic_output, check_writable_folder, write_text_atomically

LOG_FORMATS = (".csv", ".json")


def check_log_path(path: str | os.PathLike, *, suffixes: Sequence[str] = LOG_FORMATS) -> Path:
    """Fail early if ``path`` has the wrong extension or its folder is missing or read-only."""
    out = Path(path)
    if out.suffix.lower() not in suffixes:
        raise OutputError(f"'{out}' must end in {' or '.join(suffixes)}")
    check_writable_folder(out.parent, what=f"'{out}'")
    return out


def write_history(history: list[dict[str, float]], path: str | os.PathLike) -> Path:
    """Write the per-step costs as CSV (one row per step) or JSON (a list of objects), atomically."""
    out = check_log_path(path)
    if out.suffix.lower() == ".json":
        text = json.dumps(history, indent=1)
    else:
        columns: list[str] = []
        for row in history:
            columns.extend(key for key in row if key not in columns)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows(history)
        text = buffer.getvalue()
    return write_text_atomically(out, text)


def plot_histories(
    curves: dict[str, list[dict[str, float]]],
    path: str | os.PathLike,
    *,
    x: str = "step",
    terms: Sequence[str] = ("total", "content", "style"),
    title: str = "facestyle costs",
) -> Path:
    """Plot the cost curves of one or several runs (log scale) to a PNG.

    Args:
        curves: label → history; one line per (label, term).
        x: ``"step"`` or ``"seconds"``.
        terms: which costs to draw; a single run draws all of them, several runs only ``total``.
    """
    out = check_log_path(path, suffixes=(".png",))
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 4.2), dpi=110)
    several = len(curves) > 1
    for label, history in curves.items():
        xs = [row[x] for row in history]
        for term in terms if not several else terms[:1]:
            ys = [row.get(term) for row in history]
            if any(value is None for value in ys):
                continue
            name = label if several else ("J (total)" if term == "total" else f"J_{term}")
            axes.plot(xs, ys, label=name, linewidth=1.4)
    axes.set_yscale("log")
    axes.set_xlabel("seconds" if x == "seconds" else "step")
    axes.set_ylabel("cost")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.25)
    axes.legend(fontsize=8)
    figure.tight_layout()
    try:
        with atomic_output(out) as temp_name:
            figure.savefig(temp_name, format="png")
    finally:
        plt.close(figure)
    return out
