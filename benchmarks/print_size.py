"""Print-size portraits: 512, 1024 and 2048 px on photo × painting pairs (BENCHMARKS.md#print-size-portraits).

Each run is a fresh ``facestyle run`` process, so its wall time includes loading and face analysis
and its peak RSS (``os.wait4``'s ru_maxrss) is that run's alone. Then, per result: the report
objective's style cost measured at 512 px on a copy downscaled to 512 px (the large result must be
no worse than the 512 px result), the face NME at the result's own size (faces/distortion.py), and
a contact sheet of 1:1 face crops at each size.

    python benchmarks/print_size.py                    # the diagonal: 3 pairs × 3 sizes
    python benchmarks/print_size.py --pairs all        # 3 photos × 3 paintings
    python benchmarks/print_size.py --sizes 2048 --set composition_size=8192  # a variant
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import naming  # noqa: E402
from markdown_sections import replace_section  # noqa: E402

ROOT = naming.ROOT
PHOTOS = {
    "Lincoln": "examples/faces/face_06_abraham_lincoln_1863.jpg",
    "Liliuokalani": "examples/faces/face_10_queen_liliuokalani_c1891.jpg",
    "Wilson": "examples/faces/face_09_woodrow_wilson_c1919.jpg",
}
PAINTINGS = {
    "Vermeer": "examples/styles/style_vermeer_girl_with_a_pearl_earring_1665.jpg",
    "Leonardo": "examples/styles/style_drawing_leonardo_selfportrait_redchalk_1512.jpg",
    "Starry Night": "examples/styles/style_vangogh_starry_night_1889.jpg",
}
#: Side of the square 1:1 crop around the face on the contact sheet.
CROP = 320


def pairs(which: str) -> list[tuple[str, str]]:
    if which == "all":
        return [(photo, painting) for photo in PHOTOS for painting in PAINTINGS]
    return list(zip(PHOTOS, PAINTINGS))


def key(photo: str, painting: str, size: int) -> str:
    return f"{photo}__{painting}__{size}".replace(" ", "_")


def render_one(work: Path, photo: str, painting: str, size: int, extra: list[str]) -> dict:
    """One ``facestyle run`` in a child process: wall seconds, peak RSS (MB) and the step log."""
    name = key(photo, painting, size)
    command = [sys.executable, "-m", "facestyle", "run", str(ROOT / PHOTOS[photo]), str(ROOT / PAINTINGS[painting]),
               "-o", str(work / f"{name}.png"), "--size", str(size), "--quiet", "--log", str(work / f"{name}.json")]
    for item in extra:
        option, _, value = item.partition("=")
        command += [f"--{option.replace('_', '-')}", value]
    env = {"PYTHONPATH": str(ROOT / "src"), **os.environ}  # a given PYTHONPATH (a frozen copy of src) wins
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    error = child.stderr.read() if child.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed: {error.strip()}")
    history = json.loads((work / f"{name}.json").read_text())
    steps = {int(row["size"]): 0 for row in history}
    for row in history:
        steps[int(row["size"])] += 1
    row = {"photo": photo, "painting": painting, "size": size, "seconds": round(seconds, 1),
           "peak_rss_mb": round(usage.ru_maxrss / 1024), "steps_per_scale": steps}
    print(json.dumps(row), flush=True)
    return row


def measure(work: Path, rows: list[dict], settings: list[str]) -> list[dict]:
    """Style cost at 512 px of each result downscaled, and the face NME at the result's size."""
    import facestyle
    from facestyle.faces.distortion import landmark_nme
    from facestyle.image.io import load_image, resize_long_side, resize_to

    for row in rows:
        photo, painting = ROOT / PHOTOS[row["photo"]], ROOT / PAINTINGS[row["painting"]]
        result = load_image(work / f"{key(row['photo'], row['painting'], row['size'])}.png")
        small = resize_long_side(load_image(photo), 512)
        costs = facestyle.measure_costs(photo, painting, resize_to(result, small.size), objective="report", size=512)
        row["report_style_at_512"] = costs["style"]
        report = landmark_nme(resize_long_side(load_image(photo), row["size"]), result)
        row["nme"] = report.mean_nme
        tile = int(dict(item.split("=") for item in settings).get("tile", 1024))
        row["seam_ratio"] = seam_check(photo, painting, result, tile) if 0 < tile < row["size"] else None
        print(f"measured {key(row['photo'], row['painting'], row['size'])}", flush=True)
    return rows


def seam_check(photo: Path, painting: Path, result, tile: int, crop: int = 256) -> float | None:
    """Mean report style cost of crops centred on tile seams over that of crops between them (1 = no seam)."""
    import facestyle
    from facestyle.image.io import load_image, resize_to

    width, height = result.size
    seams_x = [x for x in range(tile, width, tile)]
    seams_y = [y for y in range(tile, height, tile)]
    if not seams_x and not seams_y:
        return None
    content = resize_to(load_image(photo), result.size)

    def cost(cx: int, cy: int) -> float:
        left = min(max(cx - crop // 2, 0), width - crop)
        upper = min(max(cy - crop // 2, 0), height - crop)
        box = (left, upper, left + crop, upper + crop)
        return facestyle.measure_costs(content.crop(box), painting, result.crop(box), objective="report",
                                       size=crop)["style"]

    rows = [height // 4, height // 2, 3 * height // 4]
    columns = [width // 4, width // 2, 3 * width // 4]
    on = [cost(x, y) for x in seams_x for y in rows] + [cost(x, y) for y in seams_y for x in columns]
    off = [cost(x + tile // 2, y) for x in [0, *seams_x] for y in rows if x + tile // 2 < width]
    return (sum(on) / len(on)) / (sum(off) / len(off))


def contact_sheet(work: Path, rows: list[dict], path: Path) -> None:
    """Per pair: the 512 px result whole, then a 1:1 crop of the face at every size."""
    from PIL import Image, ImageDraw

    from facestyle.faces.analysis import analyse_quick
    from facestyle.image.fonts import load_font
    from facestyle.image.io import load_image, resize_long_side

    sizes = sorted({row["size"] for row in rows})
    done = list(dict.fromkeys((row["photo"], row["painting"]) for row in rows))
    sheet = Image.new("RGB", (CROP * (len(sizes) + 1), (CROP + 20) * len(done)), "white")
    draw = ImageDraw.Draw(sheet)
    font = load_font(13)
    for line, (photo, painting) in enumerate(done):
        top = line * (CROP + 20)
        smallest = load_image(work / f"{key(photo, painting, sizes[0])}.png")
        thumb = smallest.copy()
        thumb.thumbnail((CROP, CROP))
        sheet.paste(thumb, (0, top + 20))
        draw.text((4, top + 4), f"{photo} × {painting}, {sizes[0]} px", fill="black", font=font)
        for column, size in enumerate(sizes, 1):
            image = load_image(work / f"{key(photo, painting, size)}.png")
            analysis = analyse_quick(resize_long_side(load_image(ROOT / PHOTOS[photo]), size))
            box = analysis.faces[0].box if analysis.faces else None
            cx = (box.x0 + box.x1) / 2 if box else image.width / 2
            cy = box.y0 + 0.4 * (box.y1 - box.y0) if box else image.height / 2  # around the eyes
            left = int(min(max(cx - CROP / 2, 0), image.width - CROP))
            upper = int(min(max(cy - CROP / 2, 0), image.height - CROP))
            sheet.paste(image.crop((left, upper, left + CROP, upper + CROP)), (CROP * column, top + 20))
            draw.text((CROP * column + 4, top + 4), f"{size} px, 1:1", fill="black", font=font)
    sheet.save(path, quality=90)


#: The issue's targets on a 2-core CPU: seconds by output size, and peak RSS in MB.
SECONDS_TARGET = {1024: 90.0, 2048: 300.0}
MEMORY_TARGET_MB = 6 * 1024


def verdict(row: dict) -> str:
    """"met" or what was missed, for a row's time and memory ("—" for sizes without a target)."""
    limit = SECONDS_TARGET.get(row["size"])
    if limit is None:
        return "—"
    missed = [f"time (≤ {limit:.0f} s)"] if row["seconds"] > limit else []
    missed += [f"memory (≤ {MEMORY_TARGET_MB} MB)"] if row["peak_rss_mb"] > MEMORY_TARGET_MB else []
    return "met" if not missed else "**missed** " + ", ".join(missed)


def markdown(rows: list[dict], sheet: Path, note: str) -> str:
    lines = [note, "",
             "| photo × painting | size | seconds | peak RSS (MB) | steps per scale | report style cost at 512 px "
             "(512 px result = 1) | face NME | seam / between tiles | time and memory |",
             "|---|---:|---:|---:|---|---:|---:|---:|---|"]
    base = {(row["photo"], row["painting"]): row["report_style_at_512"] for row in rows if row["size"] == 512}
    for row in rows:
        reference = base.get((row["photo"], row["painting"]))
        ratio = f" ({row['report_style_at_512'] / reference:.2f})" if reference else ""
        steps = ", ".join(f"{size}: {count}" for size, count in row["steps_per_scale"].items())
        nme = "no face" if row["nme"] is None else f"{row['nme']:.4f}"
        seam = "untiled" if row.get("seam_ratio") is None else f"{row['seam_ratio']:.2f}"
        lines.append(f"| {row['photo']} × {row['painting']} | {row['size']} | {row['seconds']:.1f} | "
                     f"{row['peak_rss_mb']} | {steps} | {row['report_style_at_512']:.3f}{ratio} | {nme} | {seam} | "
                     f"{verdict(row)} |")
    lines += ["", f"![1:1 face crops at each size]({sheet.relative_to(ROOT)})"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024, 2048])
    parser.add_argument("--pairs", choices=("diagonal", "all"), default="diagonal")
    parser.add_argument("--photos", nargs="+", choices=list(PHOTOS), help="only the pairs of these photos")
    parser.add_argument("--set", action="append", default=[], metavar="OPTION=VALUE",
                        help="a run option for every run, e.g. composition_size=8192")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "work" / "print_size")
    parser.add_argument("--no-markdown", action="store_true", help="leave BENCHMARKS.md as it is")
    naming.add_arguments(parser)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    commit = naming.commit_id()
    results = naming.results_for("print_size", args.machine or naming.machine_id(), commit, args.out)
    started = datetime.datetime.now(datetime.timezone.utc)
    rows = [render_one(args.work, photo, painting, size, args.set)
            for photo, painting in pairs(args.pairs) if photo in (args.photos or PHOTOS) for size in args.sizes]
    rows = measure(args.work, rows, args.set)
    results.folder.mkdir(parents=True, exist_ok=True)
    results.file(".json").write_text(json.dumps({"settings": args.set, "rows": rows}, indent=1))
    sheet = results.file("-sheet.jpg")
    contact_sheet(args.work, rows, sheet)
    print(f"results: {results.file('.json')}, {sheet}", flush=True)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    note = (f"Measured {started:%Y-%m-%d %H:%M} UTC, commit {commit}, {args.pairs} pairs, "
            f"options {' '.join(args.set) or 'default'}; load average at the end {load}.")
    if not args.no_markdown:
        replace_section(ROOT / "BENCHMARKS.md", "print_size", markdown(rows, sheet, note))


if __name__ == "__main__":
    main()
