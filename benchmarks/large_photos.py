"""Phone-size photos in the fast mode: reading and shrinking them, and the whole run.

A phone photo has 12 megapixels or more, while the fast mode paints 512 px. The run decodes a large
JPEG at a reduced scale (:func:`facestyle.image.io.load_image` with ``long_side``), shrinks it once
with Pillow's ``reducing_gap`` (:func:`facestyle.image.io.resize_long_side`) and paints the photo it
shrank. The baseline, measured in the same run and interleaved round by round, is the plain way: a
full decode, then a Lanczos resize from full size twice (one for the output size, one for the
network's input, as a pipeline that resizes for each would).

Photos: each bundled photo (examples/faces) enlarged to ``--megapixels`` as a JPEG
(``phone_photos.phone_jpeg``), so the decoder has a phone photo's amount of data. Printed per photo
and as medians: seconds to read and shrink (plain, facestyle, ratio), the largest and mean
difference of the two shrunk photos in grey levels, and ``stylize(method="fast")`` from the file
against the same run on the photo already shrunk (the floor: what the rest of the run costs).

    python benchmarks/large_photos.py              # 10 photos, 12 MP, 5 rounds
    python benchmarks/large_photos.py --quick      # 2 photos, 2 rounds

Writes ``benchmarks/results/large_photos-<machine>-<commit>.json``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "src"))

import naming  # noqa: E402

from facestyle import stylize  # noqa: E402
from facestyle.image.io import load_image, resize_long_side, size_at_long_side  # noqa: E402
from phone_photos import phone_jpeg  # noqa: E402

PHOTOS = sorted((ROOT / "examples" / "faces").glob("*.jpg"))
PAINTING = ROOT / "src" / "facestyle" / "web" / "paintings" / "great-wave.jpg"


def phone_photo(source: Path, megapixels: float, folder: Path) -> Path:
    path = folder / f"{source.stem}.jpg"
    path.write_bytes(phone_jpeg(source, megapixels))
    return path


def plain(path: Path, size: int) -> Image.Image:
    """Full decode, then Lanczos from full size, twice (the second result is the one painted)."""
    image = load_image(path)
    target = size_at_long_side(image.size, size)
    resized = [image.resize(target, Image.Resampling.LANCZOS) for _ in range(2)]
    return resized[-1]


def product(path: Path, size: int) -> Image.Image:
    return resize_long_side(load_image(path, long_side=size), size)


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--megapixels", type=float, default=12.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 photos, 2 rounds; results named …-quick")
    naming.add_arguments(parser)
    args = parser.parse_args(argv)
    photos, rounds = (PHOTOS[:2], 2) if args.quick else (PHOTOS, args.rounds)
    machine, commit = args.machine or naming.machine_id("cpu"), naming.commit_id()
    files = naming.results_for("large_photos", machine, commit, args.out, quick=args.quick)
    started = time.time()
    painting = load_image(PAINTING)
    rows = []
    with tempfile.TemporaryDirectory(prefix="facestyle-large-") as folder:
        paths = [phone_photo(source, args.megapixels, Path(folder)) for source in photos]
        stylize(product(paths[0], args.size), painting, method="fast", size=args.size)  # warm models
        for path in paths:
            small = product(path, args.size)
            times: dict[str, list[float]] = {"plain": [], "product": [], "run": [], "floor": []}
            for turn in range(rounds):
                order = ["plain", "product"] if turn % 2 == 0 else ["product", "plain"]
                for name in order:
                    times[name].append(timed(plain if name == "plain" else product, path, args.size)[1])
                times["run"].append(timed(stylize, path, painting, method="fast", size=args.size)[1])
                times["floor"].append(timed(stylize, small, painting, method="fast", size=args.size)[1])
            difference = np.abs(np.asarray(plain(path, args.size), dtype=np.int16)
                                - np.asarray(small, dtype=np.int16))
            with Image.open(path) as header:
                width, height = header.size
            row = {"photo": path.stem, "pixels": [width, height],
                   **{f"{name}_s": statistics.median(values) for name, values in times.items()},
                   "max_difference": int(difference.max()), "mean_difference": float(difference.mean())}
            row["read_ratio"] = row["plain_s"] / row["product_s"]
            rows.append(row)
            print(f"{path.stem}: read and shrink {row['plain_s']:.3f} → {row['product_s']:.3f} s "
                  f"({row['read_ratio']:.2f}×), differences max {row['max_difference']} mean "
                  f"{row['mean_difference']:.2f}; fast run {row['run_s']:.3f} s (at {args.size} px already: "
                  f"{row['floor_s']:.3f} s)", flush=True)
    summary = {key: statistics.median(row[key] for row in rows)
               for key in ("plain_s", "product_s", "read_ratio", "run_s", "floor_s", "mean_difference")}
    summary["max_difference"] = max(row["max_difference"] for row in rows)
    print(f"medians over {len(rows)} photos of {args.megapixels:g} MP: read and shrink "
          f"{summary['plain_s']:.3f} s plain, {summary['product_s']:.3f} s facestyle "
          f"({summary['read_ratio']:.2f}×); fast run from the file {summary['run_s']:.3f} s against "
          f"{summary['floor_s']:.3f} s from a {args.size} px photo; differences at most {summary['max_difference']} "
          f"grey levels (mean {summary['mean_difference']:.2f})")
    files.write_json({"size": args.size, "megapixels": args.megapixels, "rounds": rounds,
                      "wall_seconds": time.time() - started, "summary": summary, "rows": rows},
                     commit=commit, machine=machine)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
