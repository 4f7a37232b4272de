"""Is β (and so ``strength``) resolution-independent, and how far is strength worth turning up?

Three measurements on the demo pair, written to ``benchmarks/results/strength-<machine>-<commit>.json``
with the date and the device (BENCHMARKS.md#strength):

1. ``fixed``: J_style of the photo itself and J_content of the painting (resized to the photo's
   shape) at 128, 256 and 512 px: how far apart the two images are in each term, per size.
2. ``optimised``: final J_content, J_style and their ratio after the same default optimisation
   (one scale, so the schedule does not differ) at 128 and 256 px.
3. ``sweep``: final J_content and J_style at 128 px for β·strength from 0.25× to 30× the default
   β, and a contact sheet of the results (``strength-<machine>-<commit>-sweep.jpg``) to look at.

    python benchmarks/strength.py            # about 5 minutes on a quiet 2-core CPU
    python benchmarks/strength.py --quick    # tiny settings, to check the script runs
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
from pathlib import Path

import torch
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "src"))

import naming  # noqa: E402

import facestyle  # noqa: E402
from facestyle.image.io import load_image  # noqa: E402

CONTENT = ROOT / "examples" / "face_04_christina_koch_nasa_2014.jpg"
STYLE = ROOT / "examples" / "style_vangogh_selfportrait_1889.jpg"
MULTIPLIERS = (0.25, 0.5, 1, 2, 4, 10, 30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=100, help="L-BFGS steps per optimised run")
    parser.add_argument("--quick", action="store_true", help="tiny settings, to check the script runs")
    naming.add_arguments(parser)
    args = parser.parse_args(argv)
    sizes, opt_sizes, sweep_size, steps = (128, 256, 512), (128, 256), 128, args.steps
    multipliers = MULTIPLIERS
    if args.quick:
        sizes, opt_sizes, sweep_size, steps, multipliers = (48, 96), (48, 96), 48, 3, (0.5, 2)
    files = naming.results_for("strength", args.machine or naming.machine_id("cpu"), naming.commit_id(),
                               args.out, quick=args.quick)
    files.folder.mkdir(parents=True, exist_ok=True)
    painting = load_image(STYLE).resize(load_image(CONTENT).size, Image.Resampling.LANCZOS)
    results: dict = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "device": f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)",
        "content": CONTENT.name,
        "style": STYLE.name,
        "beta_default": facestyle.Settings.beta,
        "fixed": [],
        "optimised": [],
        "sweep": [],
    }
    for size in sizes:
        photo = facestyle.measure_costs(CONTENT, STYLE, CONTENT, size=size)
        paint = facestyle.measure_costs(CONTENT, STYLE, painting, size=size)
        results["fixed"].append(
            {"size": size, "J_style_of_photo": photo["style"], "J_content_of_painting": paint["content"],
             "ratio": photo["style"] / paint["content"]}
        )
        print("fixed", results["fixed"][-1], flush=True)
    for size in opt_sizes:
        started = time.perf_counter()
        result = facestyle.stylize(CONTENT, STYLE, size=size, steps=steps, scales=1)
        costs = result.final_costs
        results["optimised"].append(
            {"size": size, "steps": steps, "J_content": costs["content"], "J_style": costs["style"],
             "ratio": costs["style"] / costs["content"], "seconds": time.perf_counter() - started}
        )
        print("optimised", results["optimised"][-1], flush=True)
    images = []
    for multiplier in multipliers:
        beta = facestyle.Settings.beta * multiplier
        result = facestyle.stylize(CONTENT, STYLE, size=sweep_size, steps=steps, scales=1, beta=beta)
        costs = result.final_costs
        results["sweep"].append(
            {"strength": multiplier, "beta_used": beta, "J_content": costs["content"], "J_style": costs["style"]}
        )
        images.append((f"strength {multiplier:g} (beta {beta:g})", result.image))
        print("sweep", results["sweep"][-1], flush=True)
    files.file(".json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    _sheet(images, files.file("-sweep.jpg"))
    print(f"results: {files.file('.json')}, {files.file('-sweep.jpg')}", flush=True)
    return 0


def _sheet(images: list[tuple[str, Image.Image]], path: Path) -> None:
    width, height = images[0][1].size
    sheet = Image.new("RGB", (len(images) * (width + 8) + 8, height + 30), "white")
    draw = ImageDraw.Draw(sheet)
    for index, (label, image) in enumerate(images):
        x = 8 + index * (width + 8)
        sheet.paste(image, (x, 8))
        draw.text((x, height + 12), label, fill="black")
    sheet.save(path, quality=90)


if __name__ == "__main__":
    raise SystemExit(main())
