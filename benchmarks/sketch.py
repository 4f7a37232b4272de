"""Sketch benchmark: facestyle's drawings against a plain run and a pip pencil-sketch filter.

Bundled photos (examples/faces, ``--photos`` of them) × the three mediums at ``--size`` (512 px),
with each medium's bundled drawing as the exemplar, for:

- ``fast``: ``facestyle.sketch(quality="fast")``, the classical rendering;
- ``full``: ``facestyle.sketch()`` with its default texture terms (``--textures`` adds others);
- ``run``: plain ``facestyle.stylize`` (the ``facestyle run`` defaults) with the drawing as the style;
- ``cv2``: OpenCV's ``cv2.pencilSketch`` (its grey output, with the parameters tutorials use:
  sigma_s 60, sigma_r 0.07, shade_factor 0.05; the default 0.02 gives a dark sheet), a widely used pip
  photo-to-sketch filter, in its own virtual environment (``/tmp/sketch-venv``, made with
  ``python -m venv`` and ``pip install opencv-python-headless`` when missing), driven as a worker.

Per output: every face of the photo found again and the landmark NME against the photo
(:func:`facestyle.faces.distortion.compare_faces`, full analyses on both sides); the VGG Gram
distance to the exemplar (the default objective's style term, balanced layers, both as luminance);
the luminance-histogram distance to the exemplar (Wasserstein-1: the mean absolute difference of
the sorted luminances); the paper-white fraction (pixels at least as light as the exemplar's paper
less 0.08; the exemplar's own fraction is reported beside it); seconds; and peak RSS, measured once
per method in a fresh process on the first photo.

Writes ``benchmarks/results/sketch-<machine>-<commit>.json`` and ``…-sheet.jpg`` (per photo and
medium: the exemplar, then full-size face crops of the photo and each method) and prints a table.

    python benchmarks/sketch.py               # 4 photos × 3 mediums
    python benchmarks/sketch.py --quick       # 1 photo × 1 medium at 256 px, a smoke run
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent))
import naming  # noqa: E402
from fast import GramDistance  # noqa: E402

import facestyle  # noqa: E402
from facestyle.faces.analysis import analyse  # noqa: E402
from facestyle.faces.distortion import compare_faces  # noqa: E402
from facestyle.image import color  # noqa: E402
from facestyle.image.io import load_image, resize_long_side, resize_to  # noqa: E402
from facestyle.sketch.drawing import DEFAULT_TEXTURE, TEXTURES  # noqa: E402
from facestyle.sketch.exemplars import MEDIUMS, default_exemplar_path  # noqa: E402
from facestyle.sketch.paper import read_sheet  # noqa: E402

ROOT = naming.ROOT
PHOTOS = [ROOT / "examples" / "faces" / name for name in (
    "face_04_christina_koch_nasa_2014.jpg", "face_06_abraham_lincoln_1863.jpg",
    "face_14_older_man_pixabay2442565.jpg", "face_15_man_lowkey_pixabay852762.jpg",
)]
VENV = Path("/tmp/sketch-venv")
METHODS = ("fast", "full", "run", "cv2")
PAPER_TOLERANCE = 0.08

CV2_WORKER = r"""
import json, sys, time
import cv2
for line in sys.stdin:
    job = json.loads(line)
    image = cv2.imread(job["photo"])
    started = time.perf_counter()
    grey, _ = cv2.pencilSketch(image, sigma_s=60, sigma_r=0.07, shade_factor=0.05)
    seconds = time.perf_counter() - started
    cv2.imwrite(job["out"], grey)
    print(json.dumps({"seconds": seconds}), flush=True)
"""

MEMORY_PROBE = r"""
import sys
sys.path.insert(0, sys.argv[1])
import facestyle
from facestyle.sketch.exemplars import default_exemplar_path
photo, medium, method = sys.argv[2], sys.argv[3], sys.argv[4]
if method == "run":
    facestyle.stylize(photo, default_exemplar_path(medium), size=int(sys.argv[5]))
else:
    facestyle.sketch(photo, medium=medium, quality=method, size=int(sys.argv[5]))
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking parent.
print(next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM")) / 1024)
"""


def start_cv2() -> subprocess.Popen | None:
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV} with opencv-python-headless (not a facestyle dependency)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        if subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "opencv-python-headless"]).returncode:
            return None
    return subprocess.Popen([str(python), "-c", CV2_WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def run_cv2(worker: subprocess.Popen, photo_file: Path, out: Path) -> tuple[Image.Image, float]:
    worker.stdin.write(json.dumps({"photo": str(photo_file), "out": str(out)}) + "\n")
    worker.stdin.flush()
    answer = json.loads(worker.stdout.readline())
    with Image.open(out) as image:
        return image.convert("RGB"), answer["seconds"]


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


class Exemplar:
    """One medium's drawing: its luminance, paper level and the Gram distance's cached targets."""

    def __init__(self, medium: str, size: int, distance: GramDistance, work: Path) -> None:
        self.medium = medium
        self.path = default_exemplar_path(medium)
        self.image = load_image(self.path)
        y = color.luminance(resize_long_side(self.image, size))
        self.sorted_y = np.sort(y.ravel())
        self.paper = read_sheet([self.image]).paper_luminance
        self.grey_path = work / f"exemplar-{medium}.png"
        color.gray_image(y).save(self.grey_path)
        self.distance = distance
        self.own_paper_fraction = float((y >= self.paper - PAPER_TOLERANCE).mean())

    def measure(self, image: Image.Image) -> dict:
        y = color.luminance(image)
        # Interpolated sorted values, not np.quantile with one q per pixel, which partitions once per q.
        ranks = np.linspace(0, y.size - 1, self.sorted_y.size)
        quantiles = np.interp(ranks, np.arange(y.size), np.sort(y.ravel()))
        return {
            "gram": self.distance(color.gray_image(y), self.grey_path),
            "histogram": float(np.abs(quantiles - self.sorted_y).mean()),
            "paper": float((y >= self.paper - PAPER_TOLERANCE).mean()),
        }


def run_photo(
    photo: dict, exemplar: Exemplar, args: argparse.Namespace, cv2_worker, work: Path, compare: bool
) -> tuple[dict, dict]:
    image, size = photo["image"], args.size
    images: dict[str, Image.Image] = {}
    seconds: dict[str, float] = {}
    result, seconds["fast"] = timed(facestyle.sketch, image, medium=exemplar.medium, quality="fast", size=size)
    images["fast"] = result.image
    for texture in args.textures if compare else args.textures[:1]:
        name = "full" if texture == args.textures[0] else f"full-{texture}"
        result, seconds[name] = timed(facestyle.sketch, image, medium=exemplar.medium, texture=texture, size=size)
        images[name] = result.image
    result, seconds["run"] = timed(facestyle.stylize, image, exemplar.image, size=size)
    images["run"] = result.image
    if cv2_worker is not None:
        images["cv2"], seconds["cv2"] = run_cv2(cv2_worker, photo["file"], work / "cv2.png")
    row = {"photo": photo["name"], "medium": exemplar.medium, "seconds": seconds, "faces": {}, "measures": {}}
    for name, output in images.items():
        output = resize_to(output, image.size)
        report = compare_faces(photo["analysis"], analyse(output))
        row["faces"][name] = {"found": report.face_detected, "nme": report.mean_nme}
        row["measures"][name] = exemplar.measure(output)
    return row, images


def peak_memory(photo: Path, size: int) -> dict:
    """Peak RSS (MB) of each facestyle method on one photo, each in a fresh process."""
    peaks = {}
    for method in ("fast", "full", "run"):
        command = [sys.executable, "-c", MEMORY_PROBE, str(ROOT / "src"), str(photo), "pencil", method, str(size)]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout.split()
        peaks[method] = float(output[-1])
    return peaks


def summarise(rows: list[dict], names: list[str]) -> dict:
    summary = {}
    for name in names:
        faces = [row["faces"][name] for row in rows if name in row["faces"]]
        if not faces:
            continue
        nmes = [face["nme"] for face in faces if face["nme"] is not None]
        rows_with = [row for row in rows if name in row["measures"]]
        measures = [row["measures"][name] for row in rows_with]
        entry = {
            "pairs": len(faces), "found": sum(face["found"] for face in faces) / len(faces),
            "nme_median": statistics.median(nmes) if nmes else None, "nme_worst": max(nmes, default=None),
            "seconds_median": statistics.median(row["seconds"][name] for row in rows_with),
            "seconds_worst": max(row["seconds"][name] for row in rows_with),
        }
        for key in ("gram", "histogram", "paper"):
            entry[f"{key}_median"] = statistics.median(m[key] for m in measures)
        if name != "full":
            for key in ("gram", "histogram"):
                entry[f"full_closer_{key}"] = sum(
                    row["measures"]["full"][key] < row["measures"][name][key] for row in rows_with) / len(rows_with)
        summary[name] = entry
    return summary


def markdown(summary: dict, memory: dict) -> str:
    lines = ["| method | pairs | faces found | NME median | NME worst | Gram distance | histogram distance | paper "
             "fraction | seconds median (worst) | peak RSS MB |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, entry in summary.items():
        nme = f"{entry['nme_median']:.4f}" if entry["nme_median"] is not None else "—"
        worst = f"{entry['nme_worst']:.4f}" if entry["nme_worst"] is not None else "—"
        rss = f"{memory[name]:.0f}" if name in memory else "—"
        lines.append(
            f"| {name} | {entry['pairs']} | {entry['found']:.0%} | {nme} | {worst} | {entry['gram_median']:.4g} | "
            f"{entry['histogram_median']:.4f} | {entry['paper_median']:.2f} | {entry['seconds_median']:.2f} "
            f"({entry['seconds_worst']:.2f}) | {rss} |"
        )
    return "\n".join(lines)


def face_crop(photo: dict) -> tuple[int, int, int, int]:
    image = photo["image"]
    if not photo["analysis"].faces:
        return (0, 0, image.width, image.height)
    box = photo["analysis"].faces[0].box
    side = max(box.width, box.height) * 1.4
    cx, cy = box.center
    left, top = max(0, round(cx - side / 2)), max(0, round(cy - side / 2))
    return (left, top, min(image.width, round(left + side)), min(image.height, round(top + side)))


def contact_sheet(picks: list[tuple[dict, Exemplar, dict]], path: Path) -> None:
    """One row per photo × medium: the exemplar (thumbnail), then full-size face crops of the photo and each output."""
    columns = ["exemplar", "photo", *picks[0][2]]
    crops = [face_crop(photo) for photo, _, _ in picks]
    cell = max(max(c[2] - c[0], c[3] - c[1]) for c in crops) + 8
    label = 16
    sheet = Image.new("RGB", (cell * len(columns), label + cell * len(picks)), "white")
    draw = ImageDraw.Draw(sheet)
    for c, name in enumerate(columns):
        draw.text((c * cell + 4, 2), name, fill="black")
    for r, ((photo, exemplar, images), crop) in enumerate(zip(picks, crops)):
        tiles = {"exemplar": exemplar.image.copy(), "photo": photo["image"].crop(crop)}
        tiles.update({name: resize_to(image, photo["image"].size).crop(crop) for name, image in images.items()})
        tiles["exemplar"].thumbnail((cell - 8, cell - 8))
        for c, name in enumerate(columns):
            if name not in tiles:
                continue  # a texture compared on the first photos only
            tile = tiles[name]
            sheet.paste(tile, (c * cell + (cell - tile.width) // 2, label + r * cell + (cell - tile.height) // 2))
    sheet.save(path, quality=90)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--photos", type=int, default=len(PHOTOS), help="how many of the photos [all four]")
    parser.add_argument("--textures", nargs="+", default=[DEFAULT_TEXTURE, *(t for t in TEXTURES if t != DEFAULT_TEXTURE)],
                        help="full-path texture terms; the first is 'full', the others run on --compare photos")
    parser.add_argument("--compare", type=int, default=1, help="photos on which every --textures runs [1]")
    parser.add_argument("--quick", action="store_true", help="1 photo × 1 medium at 256 px, results named …-quick")
    parser.add_argument("--no-memory", action="store_true", help="skip the fresh-process peak-memory probes")
    naming.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.photos = 256, 1
    mediums = ["pencil"] if args.quick else list(MEDIUMS)
    machine, commit = args.machine or naming.machine_id("cpu"), naming.commit_id()
    files = naming.results_for("sketch", machine, commit, args.out, quick=args.quick)
    work = Path(tempfile.mkdtemp(prefix="facestyle-sketch-"))
    started, load_before = time.time(), os.getloadavg()
    distance = GramDistance(args.size)
    exemplars = {medium: Exemplar(medium, args.size, distance, work) for medium in mediums}
    cv2_worker = start_cv2()
    facestyle.sketch(PHOTOS[0], quality="fast", size=64)  # warm-up: model loading and first-call caches
    rows, picks = [], []
    for index, path in enumerate(PHOTOS[: args.photos]):
        image = resize_long_side(load_image(path), args.size)
        file = work / f"{path.stem}.png"
        image.save(file)
        photo = {"name": path.stem, "image": image, "file": file, "analysis": analyse(image)}
        for medium in mediums:
            row, images = run_photo(photo, exemplars[medium], args, cv2_worker, work, index < args.compare)
            rows.append(row)
            picks.append((photo, exemplars[medium], images))
            print(f"{path.stem} × {medium}: {json.dumps(row['seconds'])} ({time.time() - started:.0f} s)", flush=True)
    names = [*METHODS[:2], *(f"full-{t}" for t in args.textures[1:]), *METHODS[2:]]
    summary = summarise(rows, names)
    memory = {} if args.no_memory else peak_memory(PHOTOS[0], args.size)
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit, "machine": machine, "threads": torch.get_num_threads(), "size": args.size,
        "torch": torch.__version__, "load_average_before_after": [load_before, os.getloadavg()],
        "wall_seconds": time.time() - started, "peak_rss_mb": memory,
        "exemplar_paper_fraction": {m: e.own_paper_fraction for m, e in exemplars.items()},
        "summary": summary, "rows": rows,
    }
    files.folder.mkdir(parents=True, exist_ok=True)
    files.file(".json").write_text(json.dumps(report, indent=1))
    contact_sheet(picks, files.file("-sheet.jpg"))
    print(markdown(summary, memory))
    print(f"results: {files.file('.json')}, {files.file('-sheet.jpg').name} ({time.time() - started:.0f} s)")
    if cv2_worker is not None:
        cv2_worker.stdin.close()
        cv2_worker.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
