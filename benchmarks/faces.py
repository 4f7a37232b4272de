"""Face benchmark: do faces stay faces? Plain Gatys against facestyle's face-aware default.

All bundled face photos × five styles (two portraits, one drawing, two non-portraits) at 512 px,
with the same steps for both modes. For every result: is a face still detected, the landmark NME
against the photo (mean distance of the 478 landmarks / inter-ocular distance), the style cost
reached (the plain, whole-image J_style of the default objective, measured the same way for both
modes), and the time. The photos and paintings are read from ``examples/`` (``--images``). Writes
the table to BENCHMARKS.md's ``faces`` section (BENCHMARKS.md#faces) and, in ``benchmarks/results/``,
``faces-<machine>-<commit>.json`` (one row per image), ``…-timings.json`` and ``…-sheet.jpg`` (the
contact sheet); machine and commit are those of the render.

It runs in three phases, which the default command chains; they can also run on different machines
(render on a GPU, analyse and measure on the CPU):

    python benchmarks/faces.py                            # everything, here
    python benchmarks/faces.py prepare --work DIR         # face analyses → DIR/analyses.pkl.gz
    python benchmarks/faces.py render --work DIR          # stylise every pair, both modes → DIR/*.png
    python benchmarks/faces.py measure --work DIR         # NME, style cost, tables, contact sheet
    python benchmarks/faces.py --size 128 --steps 4 --limit-faces 1 --work DIR --out DIR --no-markdown
                                                          # a smoke run of the script itself
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import pickle
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "src"))
import naming  # noqa: E402
from markdown_sections import replace_section  # noqa: E402

IMAGES = ROOT / "examples"
RESULTS = naming.RESULTS

STYLES = {
    "vermeer": "styles/style_vermeer_girl_with_a_pearl_earring_1665.jpg",  # portrait
    "vangogh": "styles/style_vangogh_selfportrait_1889.jpg",  # portrait
    "rembrandt_etching": "styles/style_drawing_rembrandt_young_man_velvet_cap_etching_1637.jpg",  # drawing
    "starry_night": "styles/style_vangogh_starry_night_1889.jpg",  # non-portrait
    "great_wave": "styles/style_hokusai_great_wave_1831.jpg",  # non-portrait
}
MODES = {"plain": {"face_aware": False}, "face-aware": {"face_aware": True}}


def modes_for(protect_levels: list[float] | None) -> dict[str, dict]:
    """plain, the face-aware default, and face-aware at each extra protection level."""
    modes = dict(MODES)
    for level in protect_levels or []:
        modes[f"face-aware p={level:g}"] = {"face_aware": True, "face_protect": level}
    return modes


FACE_LIMIT: int | None = None
#: Only these photos, in this order (``--faces``); None: all of them.
FACE_NAMES: list[str] | None = None


def all_faces() -> dict[str, Path]:
    """Every bundled photo, keyed by a short name."""
    return {path.stem.split("_", 2)[2]: path for path in sorted((IMAGES / "faces").glob("*.jpg"))}


def faces() -> dict[str, Path]:
    """The photos of this run: ``FACE_NAMES`` if given, then the first ``FACE_LIMIT`` (smoke runs)."""
    found = all_faces()
    if FACE_NAMES is not None:
        found = {name: found[name] for name in FACE_NAMES}
    return dict(list(found.items())[:FACE_LIMIT])


def prepare(work: Path, size: int) -> None:
    """Analyse every photo and painting once, at the size they are stylised at."""
    from facestyle.faces.analysis import NO_FACE_NOTICE, analyse
    from facestyle.faces.guide import FaceGuide
    from facestyle.image.io import load_image, resize_long_side

    paintings = {name: analyse(resize_long_side(load_image(IMAGES / rel), size)) for name, rel in STYLES.items()}
    guides = {}
    for face_name, face_path in faces().items():
        photo = analyse(resize_long_side(load_image(face_path), size))
        for style_name, painting in paintings.items():
            # Shared objects pickle once: ten photos and five paintings, not a hundred copies.
            guides[face_name, style_name] = FaceGuide(photo, painting, () if photo.faces else (NO_FACE_NOTICE,))
        print(f"analysed {face_name}: {photo.summary()}", flush=True)
    with gzip.open(work / "analyses.pkl.gz", "wb") as stream:
        pickle.dump(guides, stream)


def _load_guides(work: Path) -> dict:
    with gzip.open(work / "analyses.pkl.gz", "rb") as stream:
        return pickle.load(stream)


def render(work: Path, size: int, steps: int | None, device: str, modes: dict[str, dict] = MODES,
           machine_id: str | None = None) -> None:
    """Stylise every pair in both modes with the analyses from :func:`prepare`.

    The record (``timings.json``) keeps the machine id and commit, which name the results files.
    """
    import torch

    import facestyle

    guides = _load_guides(work)
    timings, recorded_modes = _resumable_timings(work, size, steps, modes)
    machine = torch.cuda.get_device_name(0) if device.startswith("cuda") else f"{platform.machine()}, {os.cpu_count()} cores"
    names = {"machine_id": machine_id or naming.machine_id(device), "commit": naming.commit_id()}
    options = {"size": size, "device": device, **({"steps": steps} if steps else {})}
    from facestyle.features.encoder import compute_dtype
    from facestyle.settings import Settings

    dtype = compute_dtype(Settings.precision, torch.device(device))
    precision = "bf16" if dtype is torch.bfloat16 else ("tf32" if device.startswith("cuda") else "fp32")

    def record(timings: dict[str, float]) -> str:
        return json.dumps({"machine": machine, **names, "device": device, "precision": precision, "size": size,
                           "steps": steps, "seconds": timings, "modes": recorded_modes}, indent=1)

    facestyle.stylize(next(iter(faces().values())), IMAGES / STYLES["vermeer"], size=64, steps=2, device=device,
                      face_aware=False)  # warm-up
    for face_name, face_path in faces().items():
        for style_name, style_rel in STYLES.items():
            for mode, extra in modes.items():
                key = f"{face_name}__{style_name}__{mode}"
                if key in timings and (work / f"{key}.png").exists():
                    continue  # rendered by an earlier, interrupted run with the same size, steps and modes
                if device.startswith("cuda"):
                    torch.cuda.synchronize()
                started = time.perf_counter()
                result = facestyle.stylize(face_path, IMAGES / style_rel, face_guide=guides[face_name, style_name],
                                           **options, **extra)
                if device.startswith("cuda"):
                    torch.cuda.synchronize()
                seconds = time.perf_counter() - started
                result.image.save(work / f"{key}.png")
                timings[key] = seconds
                (work / "timings.json").write_text(record(timings))
                print(f"{face_name:28s} {style_name:18s} {mode:10s} {seconds:6.2f} s", flush=True)
        (work / "timings.json").write_text(record(timings))


def _resumable_timings(work: Path, size: int, steps: int | None,
                       modes: dict[str, dict]) -> tuple[dict[str, float], dict[str, dict]]:
    """Timings and modes of earlier renders in ``work`` at the same size and steps that still hold.

    A mode rendered before with other options is dropped (its images are made again); modes not
    asked for this time are kept, so the record lists everything the folder holds.

    A 512 px CPU run takes over an hour; resuming means an interrupted one loses one image, not all,
    and ``--modes`` can render one mode after another into the same folder. Delete ``timings.json``
    (or use another ``--work``) to render everything again.
    """
    path = work / "timings.json"
    if not path.exists():
        return {}, dict(modes)
    record = json.loads(path.read_text())
    if (record.get("size"), record.get("steps")) != (size, steps):
        return {}, dict(modes)
    earlier = record.get("modes", {})
    kept = {mode: extra for mode, extra in earlier.items() if modes.get(mode, extra) == extra}
    timings = {key: seconds for key, seconds in record.get("seconds", {}).items() if key.rsplit("__", 1)[-1] in kept}
    return timings, {**kept, **modes}


def results_of(work: Path, machine: str | None = None, folder: Path = RESULTS) -> naming.Results:
    """The results files of the render in ``work``: named by its machine and commit."""
    timing = json.loads((work / "timings.json").read_text())
    return naming.results_for("faces", machine or timing.get("machine_id") or naming.machine_id(timing["device"]),
                              timing.get("commit") or naming.commit_id(), folder)


def measure(work: Path, size: int, results: naming.Results) -> str:
    """NME and face detection per result, the plain style cost, tables and the contact sheet."""
    import facestyle
    from facestyle.costs.guidance import DEEP_RELIEF
    from facestyle.faces.distortion import landmark_nme
    from facestyle.image.io import load_image, resize_long_side
    from facestyle.settings import Settings

    layer_weights = dict(Settings().active_style_layers())
    guides = _load_guides(work)
    timing = json.loads((work / "timings.json").read_text())
    modes = timing.get("modes", MODES)
    rows = []
    complete = [name for name in faces() if all((work / f"{name}__{style}__{mode}.png").exists()
                                                 for style in STYLES for mode in modes)]
    missing = [name for name in faces() if name not in complete]
    if missing:
        print(f"not rendered (left out): {', '.join(missing)}", flush=True)
    for face_name, face_path in faces().items():
        if face_name not in complete:
            continue
        photo = resize_long_side(load_image(face_path), size)
        for style_name, style_rel in STYLES.items():
            guide = guides[face_name, style_name]
            for mode in modes:
                key = f"{face_name}__{style_name}__{mode}"
                result = work / f"{key}.png"
                report = landmark_nme(photo, result, content_analysis=guide.content)
                costs = facestyle.measure_costs(photo, IMAGES / style_rel, result, size=size, face_aware=False)
                # The same cost without the layers where face-aware leaves the painted face out on
                # purpose (guidance.DEEP_RELIEF): the part of the style a face-aware result can meet.
                shallow = sum(weight * costs[f"style.{layer}"] for layer, weight in layer_weights.items()
                              if layer not in DEEP_RELIEF)
                # And the style cost of the objective this mode minimised (face-aware's leaves the
                # painted face out at relu5_1 with a portrait painting, and halves the photo's).
                own = costs if not modes[mode].get("face_aware") else facestyle.measure_costs(
                    photo, IMAGES / style_rel, result, size=size, face_guide=guide, **modes[mode])
                rows.append({"face": face_name, "style": style_name, "mode": mode,
                             "detected": report.face_detected, "nme": report.mean_nme,
                             "style_cost": costs["style"], "style_cost_shallow": shallow,
                             "own_style_cost": own["style"],
                             "seconds": timing["seconds"][key]})
            print(f"measured {face_name} × {style_name}", flush=True)
    results.folder.mkdir(parents=True, exist_ok=True)
    results.file(".json").write_text(json.dumps(rows, indent=1))
    results.file("-timings.json").write_text(json.dumps(timing, indent=1))
    sheet = results.file("-sheet.jpg")
    _contact_sheet(work, sheet, ["plain", "face-aware"], complete)
    print(f"results: {results.file('.json')}, {results.file('-timings.json')}, {sheet}", flush=True)
    markdown = _markdown(rows, timing, list(modes), sheet)
    if missing:
        markdown += f"\n\nNot rendered within the run's time limit, so left out: {', '.join(missing)}."
    if len(complete) < len(all_faces()):
        markdown += (f"\n\nA subset: {len(complete)} of the {len(all_faces())} bundled photos "
                     f"({', '.join(complete)}).")
    return markdown


def _markdown(rows: list[dict], timing: dict, modes: list[str], sheet: Path) -> str:
    lines = [
        f"Measured {datetime.date.today().isoformat()}: images rendered on {timing['machine']} ({timing['device']}"
        f"{', ' + timing['precision'] if 'precision' in timing else ''}), "
        f"{timing['size']} px, {timing['steps'] or 'default'} steps for every mode; analysis and measurement on "
        f"`{naming.cpu_id()}`. Command: `python benchmarks/faces.py`. NME = mean distance of the 478 landmarks between photo "
        "and result / inter-ocular distance (outer eye corners); style cost = whole-image J_style of the default "
        "objective, measured identically for both modes; the same without relu5_1, the layer where face-aware "
        "leaves the painted face out of the target on purpose (`guidance.DEEP_RELIEF`).",
        "",
        "| mode | face detected | median NME | worst NME | median style cost | median style cost without relu5_1 "
        "| median seconds |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    summary = {}
    for mode in modes:
        mine = [r for r in rows if r["mode"] == mode]
        nmes = [r["nme"] for r in mine if r["nme"] is not None]
        summary[mode] = {
            "detected": sum(r["detected"] for r in mine) / len(mine),
            "median_nme": statistics.median(nmes) if nmes else None,
            "worst_nme": max(nmes) if nmes else None,
            "style": statistics.median(r["style_cost"] for r in mine),
            "shallow": statistics.median(r["style_cost_shallow"] for r in mine),
            "seconds": statistics.median(r["seconds"] for r in mine),
        }
        s = summary[mode]
        lines.append(f"| {mode} | {s['detected']:.0%} ({sum(r['detected'] for r in mine)}/{len(mine)}) | "
                     f"{_f(s['median_nme'])} | {_f(s['worst_nme'])} | {s['style']:.4g} | {s['shallow']:.4g} | {s['seconds']:.2f} |")
    ratio = summary["face-aware"]["style"] / summary["plain"]["style"]
    shallow_ratio = summary["face-aware"]["shallow"] / summary["plain"]["shallow"]
    plain_cost = {(r["face"], r["style"]): r["style_cost"] for r in rows if r["mode"] == "plain"}
    pair_ratios = [r["style_cost"] / plain_cost[r["face"], r["style"]] for r in rows if r["mode"] == "face-aware"]
    lines += ["", f"Face-aware style cost / plain style cost (medians): **{ratio:.2f}×** (median of the per-pair "
              f"ratios {statistics.median(pair_ratios):.2f}×); without relu5_1: **{shallow_ratio:.2f}×**."]
    if all("own_style_cost" in r for r in rows):
        own_ratio = (statistics.median(r["own_style_cost"] for r in rows if r["mode"] == "face-aware")
                     / statistics.median(r["own_style_cost"] for r in rows if r["mode"] == "plain"))
        lines.append(f"On the objective each mode minimised (face-aware's leaves the painted face out and "
                     f"halves the photo's at relu5_1 with a portrait painting), face-aware's style cost / "
                     f"plain's (medians): {own_ratio:.2f}×.")
    lines += ["",
              "Per style (median NME plain → face-aware; worst face-aware):", "",
              "| style | plain median NME | face-aware median NME | face-aware worst | style cost ratio "
              "| ratio without relu5_1 |",
              "|---|---:|---:|---:|---:|---:|"]
    for style in STYLES:
        def pick(mode, key, rows=rows, style=style):
            return [r[key] for r in rows if r["style"] == style and r["mode"] == mode and r[key] is not None]
        lines.append(
            f"| {style} | {_f(statistics.median(pick('plain', 'nme')))} | {_f(statistics.median(pick('face-aware', 'nme')))} | "
            f"{_f(max(pick('face-aware', 'nme')))} | "
            f"{statistics.median(pick('face-aware', 'style_cost')) / statistics.median(pick('plain', 'style_cost')):.2f} | "
            f"{statistics.median(pick('face-aware', 'style_cost_shallow')) / statistics.median(pick('plain', 'style_cost_shallow')):.2f} |")
    link = sheet.resolve().relative_to(ROOT) if sheet.resolve().is_relative_to(ROOT) else sheet
    lines += ["", f"Contact sheet (rows: faces; columns: plain / face-aware for each style): [{link}]({link})"]
    return "\n".join(lines)


def _f(value) -> str:
    return "—" if value is None else f"{value:.4f}"


def _contact_sheet(work: Path, path: Path, modes: list[str], names: list[str], cell: int = 160) -> None:
    from PIL import Image, ImageDraw

    columns = [(style, mode) for style in STYLES for mode in modes]
    label = 28
    sheet = Image.new("RGB", (cell * len(columns), label + cell * len(names)), "white")
    draw = ImageDraw.Draw(sheet)
    for c, (style, mode) in enumerate(columns):
        draw.text((c * cell + 4, 2), style, fill="black")
        draw.text((c * cell + 4, 14), mode, fill="gray" if mode == "plain" else "darkgreen")
    for r, face in enumerate(names):
        for c, (style, mode) in enumerate(columns):
            with Image.open(work / f"{face}__{style}__{mode}.png") as image:
                image.thumbnail((cell, cell))
                sheet.paste(image, (c * cell + (cell - image.width) // 2, label + r * cell + (cell - image.height) // 2))
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, quality=88)


def main(argv: list[str] | None = None) -> int:
    global IMAGES, FACE_LIMIT, FACE_NAMES
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("phase", nargs="?", choices=["all", "prepare", "render", "measure"], default="all")
    parser.add_argument("--work", type=Path, default=RESULTS / "faces_work")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=None, help="steps for both modes [facestyle's default]")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--images", type=Path, default=IMAGES, help="folder with faces/ and styles/ [examples]")
    naming.add_arguments(parser)
    parser.add_argument("--limit-faces", type=int, default=None, help="only the first N photos (smoke runs)")
    parser.add_argument("--faces", default="", help="only these photos, in this order, by short name "
                        "(e.g. older_man_pixabay2442565,andrew_morgan_nasa_2014): a subset when time is short")
    parser.add_argument("--modes", default="", help="render: only these modes, e.g. plain (the rest can follow later)")
    parser.add_argument("--protect-levels", default="", help="extra face_protect levels to render, e.g. 0.25,1")
    parser.add_argument("--no-markdown", action="store_true", help="measure: do not rewrite BENCHMARKS.md")
    args = parser.parse_args(argv)
    IMAGES = args.images
    FACE_LIMIT = args.limit_faces
    if args.faces:
        FACE_NAMES = [name.strip() for name in args.faces.split(",") if name.strip()]
        unknown = [name for name in FACE_NAMES if name not in all_faces()]
        if unknown:
            parser.error(f"unknown photo {unknown[0]!r}; choose from {', '.join(all_faces())}")
    args.work.mkdir(parents=True, exist_ok=True)
    if args.device == "auto":
        import torch

        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.phase in ("all", "prepare"):
        prepare(args.work, args.size)
    if args.phase in ("all", "render"):
        levels = [float(x) for x in args.protect_levels.split(",") if x.strip()]
        modes = modes_for(levels)
        if args.modes:
            chosen = [name.strip() for name in args.modes.split(",")]
            unknown = [name for name in chosen if name not in modes]
            if unknown:
                parser.error(f"unknown mode {unknown[0]!r}; choose from {', '.join(modes)}")
            modes = {name: modes[name] for name in chosen}
        render(args.work, args.size, args.steps, args.device, modes, args.machine)
    if args.phase in ("all", "measure"):
        markdown = measure(args.work, args.size, results_of(args.work, args.machine, args.out))
        print(markdown)
        if not args.no_markdown:
            replace_section(ROOT / "BENCHMARKS.md", "faces", markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
