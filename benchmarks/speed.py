"""Speed benchmark: the report's recipe against facestyle's default optimisation, on the same objective.

For each face × style pair, at ``--size`` (256 px):
1. baseline: the report's recipe (Adam, lr 0.03, content+noise, 1,001 steps, single scale) in
   float32 arithmetic, as the report ran it (facestyle's own runs use ``precision="auto"``, bf16
   on CPUs that have it); its level is the median J of its last 100 steps (Adam's J is noisy);
2. facestyle: the default optimisation on the report's objective (``objective="report"``), which
   is L-BFGS from the AdaIN result at one scale (settings.OBJECTIVE_OPTIMISATION);
3. the generic default optimisation (photo start, 3 scales, 200 steps: the face-aware objective's)
   on the same objective, to show what the objective's own optimisation gains;
4. adain alone, with its J measured on the same objective.
The optimisers record J against wall time; the time-to-J ratio is the baseline's total time over
the time a facestyle run first reaches the baseline's level (at the final, same-size scale).
Then the recipe and the default run at ``--large-size`` (512 px) under a time cap and their J is
compared at equal time. Last, the full default run on the demo pair at 512 px (default objective),
alternated ``--repeats`` times with the previous default (``upscale="image"``, 300 steps) as the
same-run baseline, since a small machine's speed drifts by ±20 % between minutes.

Each run is a fresh process, so its peak memory (max RSS) is its own. The photos and paintings are
read from ``examples/`` (``--images``). Results go to ``benchmarks/results/speed-<machine>-<commit>.json``
and a plot ``….png``, the tables to BENCHMARKS.md's ``speed`` and ``default512`` sections
(BENCHMARKS.md#report-objective-speed, BENCHMARKS.md#default-run-at-512-px).

    python benchmarks/speed.py                 # the full run (about 90 min on a 2-core CPU with native bf16)
    python benchmarks/speed.py --quick         # a smoke run of the script itself (a few minutes)
    python benchmarks/speed.py --markdown-from benchmarks/results/speed-epyc2c-5d03680.json
                                               # write the sections again from a results file
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "src"))
import naming  # noqa: E402
import speed_report as reporting  # noqa: E402
from markdown_sections import replace_section  # noqa: E402

IMAGES = ROOT / "examples"
#: The demo pair, inside ``--images``.
DEMO = ("faces/face_04_christina_koch_nasa_2014.jpg", "styles/style_vangogh_selfportrait_1889.jpg")

#: Face × style pairs (inside ``--images``) and their names in the table: two portraits, one
#: drawing, one landscape.
PAIRS = [
    ("faces/face_05_andrew_morgan_nasa_2014.jpg", "styles/style_vangogh_selfportrait_strawhat_1887.jpg",
     "Morgan × van Gogh, straw hat"),
    ("faces/face_07_frederick_douglass_c1879.jpg", "styles/style_vermeer_girl_with_a_pearl_earring_1665.jpg",
     "Douglass × Vermeer"),
    ("faces/face_10_queen_liliuokalani_c1891.jpg", "styles/style_drawing_leonardo_selfportrait_redchalk_1512.jpg",
     "Liliʻuokalani × Leonardo, red chalk"),
    ("faces/face_14_older_man_pixabay2442565.jpg", "styles/style_vangogh_starry_night_1889.jpg",
     "older man × Starry Night"),
]


def pair_name(content_rel: str, style_rel: str) -> str:
    """The pair's key in the results: photo and painting names without their prefixes."""
    return f"{Path(content_rel).stem.split('_', 2)[2]} × {Path(style_rel).stem.split('_', 1)[1]}"


LABELS = {pair_name(content, style): label for content, style, label in PAIRS}


#: Near the baseline's level (curve J within this factor of it either way) every image of a run at
#: the final size is kept, with the clock stopped, and measured in float32 after the run: a bf16
#: run's own J reads lower than float32's. Measuring during the run would slow the steps after each
#: measurement (it builds a float32 VGG), which a paused clock would miss.
CHECK_MARGIN = 1.1


def _run(kind: str, content: str, style: str, size: int, options: dict, cap: float | None,
         level: float | None = None) -> dict:
    """One run in a fresh process: returns its J-over-time curve, seconds and peak RSS.

    With ``level``, the run's images near it are kept and measured in float32 after the run
    (``checks``, up to the first at or below the level); the time keeping them takes is left out
    of every time recorded.
    """
    import resource

    import torch

    import facestyle
    from facestyle.errors import Cancelled

    torch.set_num_threads(os.cpu_count() or 1)
    curve: list[tuple[float, float, int]] = []
    kept: list[tuple[float, object]] = []
    # The float32 measurements use the run's objective, not its optimiser or arithmetic.
    measured = {key: value for key, value in options.items() if key not in ("precision", "steps")}
    # Warm the weights cache so neither side pays the one-off file read and hash.
    facestyle.stylize(content, style, size=32, steps=1, scales=1)
    if kind == "adain":
        facestyle.stylize(content, style, size=32, method="adain")
    started = time.perf_counter()
    paused = 0.0

    def record(event: facestyle.Progress) -> None:
        nonlocal paused
        now = time.perf_counter() - started - paused
        if "total" in event.costs:
            curve.append((now, event.costs["total"], max(event.size)))
            near = level is not None and level / CHECK_MARGIN <= event.costs["total"] <= CHECK_MARGIN * level
            if near and max(event.size) == size:
                keeping = time.perf_counter()
                kept.append((now, event.image()))
                paused += time.perf_counter() - keeping
        if cap is not None and now > cap:
            raise Cancelled("time cap")

    capped = False
    try:
        result = facestyle.stylize(content, style, size=size, progress=record, **options)
        image = result.image
    except Cancelled:
        image, capped = None, True
    seconds = time.perf_counter() - started - paused
    checks: list[tuple[float, float]] = []
    for at, kept_image in kept:
        checks.append((at, facestyle.measure_costs(content, style, kept_image, size=size, **measured)["total"]))
        if level is not None and checks[-1][1] <= level:
            break
    final_j = None
    if kind == "adain":
        final_j = facestyle.measure_costs(content, style, result.image, objective="report", size=size)["total"]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    exact_j = final_j
    if image is not None and kind != "adain":
        final_j = curve[-1][1]
        # The curve is J as the run evaluated it (bf16 convolutions on CPUs with native bf16); the
        # final image is also measured in float32, the baseline's arithmetic, to show the gap.
        exact_j = facestyle.measure_costs(content, style, image, size=size, **measured)["total"]
    return {"kind": kind, "seconds": seconds, "curve": curve, "checks": checks, "final_j": final_j,
            "final_j_float32": exact_j, "peak_mb": peak_mb, "capped": capped, "keeping_seconds": paused}


def run_in_fresh_process(*args) -> dict:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_run, *args).result()


def level_of(curve: list, last: int = 100) -> float:
    """The baseline's level: the median J of its last ``last`` steps."""
    return statistics.median(j for _, j, _ in curve[-last:])


def time_to_reach(curve: list, level: float, size: int) -> float | None:
    """Seconds until J at the final size first reaches ``level`` (None if never)."""
    for seconds, j, at in curve:
        if at == size and j <= level:
            return seconds
    return None


def time_to_reach_float32(run: dict, level: float) -> float | None:
    """Seconds until an image of the run, measured in float32, first reaches ``level`` (None if never).

    Every step near the level is checked; a run that ends at the level without a check there counts
    from its end."""
    for seconds, j in run.get("checks", []):
        if j <= level:
            return seconds
    exact = run.get("final_j_float32")
    return run["seconds"] if exact is not None and exact <= level else None


def j_at(curve: list, seconds: float, size: int) -> float | None:
    """The last J at the final size recorded by ``seconds``."""
    values = [j for t, j, at in curve if t <= seconds and at == size]
    return values[-1] if values else None


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--large-size", type=int, default=512)
    parser.add_argument("--baseline-steps", type=int, default=1001)
    parser.add_argument("--cap", type=float, default=reporting.DEFAULT_CAP, help="time cap in seconds for the large-size runs")
    parser.add_argument("--pairs", type=int, default=len(PAIRS))
    parser.add_argument("--large-pairs", type=int, default=len(PAIRS), help="pairs that also run at --large-size")
    parser.add_argument("--repeats", type=int, default=3, help="alternated full 512 px runs of each default (0: none)")
    parser.add_argument("--images", type=Path, default=IMAGES, help="folder with faces/ and styles/ [examples]")
    naming.add_arguments(parser)
    parser.add_argument("--quick", action="store_true", help="tiny settings, to check the script runs")
    parser.add_argument("--no-markdown", action="store_true", help="do not rewrite BENCHMARKS.md")
    parser.add_argument("--markdown-from", type=Path, default=None, metavar="FILE",
                        help="run nothing: write the BENCHMARKS.md sections from this results file")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.large_size, args.baseline_steps, args.cap, args.pairs, args.repeats = 96, 128, 120, 10.0, 1, 1
    return args


def describe_machine(device: str) -> str:
    import torch

    if device == "cuda":
        return torch.cuda.get_device_name(0)
    from facestyle.features.encoder import cpu_has_native_bf16

    # Whether facestyle's runs (precision "auto") are bf16 or float32 on this CPU.
    arithmetic = "native bf16" if cpu_has_native_bf16() else "no native bf16, so facestyle runs in float32"
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {arithmetic}"


def measure_pair(content_rel: str, style_rel: str, args: argparse.Namespace) -> dict:
    """The four runs of one pair at ``--size``, and the recipe against the default at ``--large-size``."""
    content, style = str(args.images / content_rel), str(args.images / style_rel)
    baseline = run_in_fresh_process("baseline", content, style, args.size,
                                    {"recipe": "report", "steps": args.baseline_steps, "precision": "fp32"}, None)
    level = level_of(baseline["curve"])
    ours = run_in_fresh_process("default", content, style, args.size, {"objective": "report"}, None, level)
    generic_options = {"objective": "report", **reporting.GENERIC_OPTIMISATION}
    generic = run_in_fresh_process("default", content, style, args.size, generic_options, None, level)
    adain = run_in_fresh_process("adain", content, style, args.size, {"method": "adain"}, None)
    # Reached when an image measured in float32 (the baseline's arithmetic) is at the level; the
    # run's own (bf16) J reaching it is recorded too.
    reached = time_to_reach_float32(ours, level)
    generic_reached = time_to_reach_float32(generic, level)
    return {
        "pair": pair_name(content_rel, style_rel),
        "baseline": baseline,
        "default": ours,
        "generic": generic,
        "adain": adain,
        "baseline_level": level,
        "default_reaches_level_at": reached,
        "time_to_j_ratio": baseline["seconds"] / reached if reached else None,
        "generic_reaches_level_at": generic_reached,
        "generic_time_to_j_ratio": baseline["seconds"] / generic_reached if generic_reached else None,
        "own_j_reaches_level_at": {"default": time_to_reach(ours["curve"], level, args.size)},
        "large": None,
    }


def measure_large(content_rel: str, style_rel: str, args: argparse.Namespace) -> dict:
    """The recipe and the default at ``--large-size`` under ``--cap``, J compared at equal time."""
    content, style = str(args.images / content_rel), str(args.images / style_rel)
    recipe = {"recipe": "report", "steps": 100000, "precision": "fp32"}
    big_base = run_in_fresh_process("baseline", content, style, args.large_size, recipe, args.cap)
    big_ours = run_in_fresh_process("default", content, style, args.large_size, {"objective": "report"}, args.cap)
    equal = min(big_base["seconds"], big_ours["seconds"])
    return {"baseline": big_base, "default": big_ours, "equal_time": equal,
            "baseline_j": j_at(big_base["curve"], equal, args.large_size),
            "default_j": j_at(big_ours["curve"], equal, args.large_size)}


def full_default_runs(args: argparse.Namespace) -> dict:
    """The demo pair at ``--large-size`` with the default objective: the current default against the
    previous one, alternated so that both see the same drift of the machine's speed."""
    from facestyle.settings import Settings

    content, style = (str(args.images / path) for path in DEMO)
    options = {"previous": reporting.PREVIOUS_DEFAULT, "current": {"upscale": Settings.upscale, "steps": Settings.steps}}
    runs: dict[str, list] = {"previous": [], "current": []}
    for repeat in range(args.repeats):
        print(f"== full default run at {args.large_size} px, repeat {repeat + 1}/{args.repeats}", flush=True)
        runs["previous"].append(run_in_fresh_process("default", content, style, args.large_size, options["previous"], None))
        runs["current"].append(run_in_fresh_process("default", content, style, args.large_size, {}, None))
    summary = {}
    for key, values in runs.items():
        summary[key] = {
            "options": options[key],
            "seconds": [run["seconds"] for run in values],
            "median_seconds": statistics.median(run["seconds"] for run in values),
            "final_j": values[0]["final_j"],
            "peak_mb": max(run["peak_mb"] for run in values),
        }
    # When did the previous default first get as low as the current default's final J?
    target = summary["current"]["final_j"]
    summary["previous_reaches_current_j_at"] = [
        time_to_reach(run["curve"], target, args.large_size) for run in runs["previous"]
    ]
    summary["ratio"] = summary["previous"]["median_seconds"] / summary["current"]["median_seconds"]
    return summary


def write_markdown(report: dict, plot: Path, rewrite: bool) -> None:
    """Print both sections and, with ``rewrite``, put them into BENCHMARKS.md."""
    sections = {"speed": reporting.speed_markdown(report, plot, LABELS)}
    if report.get("full_default"):
        sections["default512"] = reporting.full_default_table(report["full_default"])
    for name, body in sections.items():
        print(f"<!-- {name} -->\n{body}\n")
        if rewrite:
            replace_section(ROOT / "BENCHMARKS.md", name, body)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.markdown_from is not None:
        report = json.loads(args.markdown_from.read_text())
        write_markdown(report, args.markdown_from.with_suffix(".png"), rewrite=not args.no_markdown)
        return 0

    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    results = naming.results_for("speed", args.machine or naming.machine_id(device), naming.commit_id(),
                                 args.out, quick=args.quick)
    report = {
        "date": datetime.date.today().isoformat(),
        "device": device,
        "machine": describe_machine(device),
        "load_average_at_start": os.getloadavg(),
        "size": args.size,
        "large_size": args.large_size,
        "cap": args.cap,
        "pairs": [],
    }
    for index, (content_rel, style_rel, label) in enumerate(PAIRS[: args.pairs]):
        print(f"== {label}", flush=True)
        entry = measure_pair(content_rel, style_rel, args)
        if index < args.large_pairs:
            entry["large"] = measure_large(content_rel, style_rel, args)
        report["pairs"].append(entry)
        print(reporting.pair_table(entry, report), flush=True)
    ratios = [p["time_to_j_ratio"] for p in report["pairs"] if p["time_to_j_ratio"]]
    report["median_ratio"] = statistics.median(ratios) if ratios else None
    report["all_pairs_reached"] = len(ratios) == len(report["pairs"])
    generic_ratios = [p["generic_time_to_j_ratio"] for p in report["pairs"] if p["generic_time_to_j_ratio"]]
    report["median_generic_ratio"] = statistics.median(generic_ratios) if generic_ratios else None
    report["full_default"] = full_default_runs(args) if args.repeats else None
    if report["full_default"]:
        print(reporting.full_default_table(report["full_default"]), flush=True)
        print(reporting.full_default_summary(report["full_default"]), flush=True)
    results.folder.mkdir(parents=True, exist_ok=True)
    results.file(".json").write_text(json.dumps(report, indent=1))
    reporting.plot(report, results.file(".png"))
    write_markdown(report, results.file(".png"), rewrite=not args.no_markdown and not args.quick)
    print(f"results: {results.file('.json')}, {results.file('.png')}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
