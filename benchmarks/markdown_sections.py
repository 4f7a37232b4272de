"""Rewriting one marked section of BENCHMARKS.md, shared by the benchmark scripts.

A section is the text between ``<!-- name:begin -->`` and ``<!-- name:end -->``, each marker on a
line of its own. ``replace_section(path, name, read_section(path, name))`` leaves the file as it was,
so hand-written text around the markers survives any number of runs.
"""

from __future__ import annotations

from pathlib import Path


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:begin -->", f"<!-- {name}:end -->"


def read_section(path: Path, name: str) -> str | None:
    """The body between the markers, without the newlines that end the begin marker and the body; None if absent."""
    begin, end = _markers(name)
    text = path.read_text() if path.exists() else ""
    if begin not in text:
        return None
    body = text.split(begin, 1)[1].split(end, 1)[0]
    return body.removeprefix("\n").removesuffix("\n")


def replace_section(path: Path, name: str, body: str) -> None:
    """Put ``body`` between ``<!-- name:begin -->`` and ``<!-- name:end -->`` (added if missing)."""
    begin, end = _markers(name)
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{begin}\n{end}\n"
    if begin not in text:
        text += f"\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{body}\n{end}{tail}")
