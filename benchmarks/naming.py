"""Results file names shared by the benchmark scripts: ``<benchmark>-<machine>-<commit>.<ext>``.

BENCHMARKS.md cites every result by such a name, so the file itself says which code produced it on
which machine (BENCHMARKS.md's machines table lists the ids).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

#: Words of a CPU or GPU model name that say nothing about the chip.
VENDOR_WORDS = {
    "amd", "intel", "r", "tm", "core", "cpu", "processor", "genuine", "genuineintel", "authenticamd",
    "apple", "with", "radeon", "graphics", "nvidia", "geforce", "tesla", "quadro",
}


def _cores() -> int:
    """The cores this process may use (a container's share, not the host's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1]
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_id(model: str | None = None, cores: int | None = None) -> str:
    """A short id from the CPU's family and core count: "AMD EPYC 9454", 2 cores → ``epyc2c``."""
    words = [word for word in re.findall(r"[a-z0-9]+", (model or _cpu_model()).lower())
             if word not in VENDOR_WORDS and not word.isdigit()]
    family = words[0] if words else "cpu"
    cores = _cores() if cores is None else cores
    return f"{family}{'-' if family[-1].isdigit() else ''}{cores}c"


def gpu_id(name: str) -> str:
    """A short id from a card's name: "NVIDIA H200" → ``h200``, "NVIDIA GeForce RTX 4090" → ``rtx4090``."""
    words = [word for word in re.findall(r"[a-z0-9]+", name.lower()) if word not in VENDOR_WORDS]
    kept = []
    for word in words:
        kept.append(word)
        if any(character.isdigit() for character in word):
            break
    return "".join(kept) or "gpu"


def machine_id(device: str = "cpu") -> str:
    """The id of the machine a benchmark runs on: its card on CUDA, else its CPU."""
    if device.startswith("cuda"):
        import torch

        return gpu_id(torch.cuda.get_device_name(torch.device(device)))
    return cpu_id()


def commit_id() -> str:
    """``git rev-parse --short=7 HEAD``, with ``-dirty`` when tracked code differs from it.

    BENCHMARKS.md and benchmarks/results/ do not count: the benchmarks write them, and a run after
    another must still carry the clean commit. Outside a git checkout: ``nogit``.
    """
    def git(*arguments: str) -> str:
        return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short=7", "HEAD")
        changes = git("status", "--porcelain", "--untracked-files=no", "--", ".",
                      ":(exclude)BENCHMARKS.md", ":(exclude)benchmarks/results")
    except (OSError, subprocess.CalledProcessError):
        return "nogit"
    return f"{commit}-dirty" if changes else commit


@dataclass(frozen=True)
class Results:
    """Where one run's files go: ``folder / <benchmark>-<machine>-<commit>[-quick]<suffix>``."""

    folder: Path
    stem: str

    def file(self, suffix: str) -> Path:
        """``suffix`` such as ``".json"`` or ``"-sheet.jpg"``."""
        return self.folder / f"{self.stem}{suffix}"

    def write_json(self, report: dict, *, commit: str, machine: str) -> Path:
        """``report`` after the run's date (UTC), commit, machine, CPU count and torch threads, as
        ``<stem>.json``; prints and returns its path."""
        import datetime

        import torch

        head = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "commit": commit, "machine": machine, "cpu_count": os.cpu_count(), "threads": torch.get_num_threads()}
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.file(".json")
        path.write_text(json.dumps({**head, **report}, indent=1))
        print(f"results: {path}")
        return path


def results_for(benchmark: str, machine: str, commit: str, folder: Path = RESULTS, quick: bool = False) -> Results:
    # "-quick" last, so .gitignore's *-quick* keeps smoke runs out of the repository.
    return Results(Path(folder), f"{benchmark}-{machine}-{commit}" + ("-quick" if quick else ""))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--machine`` and ``--out``, the same for every benchmark."""
    parser.add_argument("--machine", default=None,
                        help="machine id in the results' names [from the CPU model and cores, or the GPU: e.g. "
                             f"{cpu_id()}]")
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the results files [benchmarks/results]")
