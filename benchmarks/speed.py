"""Speed benchmark: the report's recipe against facestyle's default optimisation, on the same objective.

For each face × style pair, at ``--size`` (256 px):
1. baseline: the report's recipe (Adam, lr 0.03, content+noise, 1,001 steps, single scale) in
   float32 arithmetic, as the report ran it (facestyle's own runs use ``precision="auto"``, bf16
   on CPUs that have it); its level is the median J of its last 100 steps (Adam's J is noisy);
2. facestyle: the default optimisation on the report's objective (``objective="report"``), which
   is L-BFGS from the AdaIN result at one scale (settings.OBJECTIVE_OPTIMISATION);
3. the generic default optimisation (photo start, 3 scales, 200 steps: the face-aware objective's)
   on the same objective: the default on this objective before the tenth session;
4. adain alone, with its J measured on the same objective.
The optimisers record J against wall time; the time-to-J ratio is the baseline's total time over
the time a facestyle run first reaches the baseline's level (at the final, same-size scale).
Then the recipe and the default run at ``--large-size`` (512 px) under a time cap and their J is
compared at equal time. Last, the full default run on the demo pair at 512 px (default objective),
alternated ``--repeats`` times with the previous default (``upscale="image"``, 300 steps) as the
same-run baseline, since this machine's speed drifts by ±20 % between minutes.

Each run is a fresh process, so its peak memory (max RSS) is its own. Results go to
``benchmarks/results/speed.json``, a plot ``speed.png`` and the marked section of BENCHMARKS.md.

    python benchmarks/speed.py                 # the full run (75 min on a 2-core AMX CPU, seventh session)
    python benchmarks/speed.py --quick         # a smoke run of the script itself (about 2 min)
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
from markdown_sections import replace_section  # noqa: E402

from facestyle.settings import Settings  # noqa: E402

IMAGES = ROOT.parent / "shared" / "images"
DEMO = (ROOT / "examples" / "face_04_christina_koch_nasa_2014.jpg", ROOT / "examples" / "style_vangogh_selfportrait_1889.jpg")
#: The generic default's optimisation (the face-aware objective's), run on the report's objective
#: for comparison with the default that objective now brings (settings.OBJECTIVE_OPTIMISATION).
GENERIC_OPTIMISATION = {name: getattr(Settings, name) for name in ("init", "scales", "steps")}
#: The default before the residual upscale (first session): the same-run baseline for the full 512 px run.
PREVIOUS_DEFAULT = {"upscale": "image", "steps": 300}
RESULTS = ROOT / "benchmarks" / "results"

#: Face × style pairs: two portraits, one drawing, one landscape.
PAIRS = [
    ("faces/face_05_andrew_morgan_nasa_2014.jpg", "styles/style_vangogh_selfportrait_strawhat_1887.jpg"),
    ("faces/face_07_frederick_douglass_c1879.jpg", "styles/style_vermeer_girl_with_a_pearl_earring_1665.jpg"),
    ("faces/face_10_queen_liliuokalani_c1891.jpg", "styles/style_drawing_leonardo_selfportrait_redchalk_1512.jpg"),
    ("faces/face_14_older_man_pixabay2442565.jpg", "styles/style_vangogh_starry_night_1889.jpg"),
]


#: Near the baseline's level (curve J within this factor of it either way) every image of a run at
#: the final size is kept, with the clock stopped, and measured in float32 after the run: a bf16
#: run's own J reads lower than float32's, by under 1 % on the four pairs. Measuring during the run
#: (the tenth session did, every 5 steps) slowed the steps after each measurement (it builds a
#: float32 VGG), which the paused clock missed.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--large-size", type=int, default=512)
    parser.add_argument("--baseline-steps", type=int, default=1001)
    parser.add_argument("--cap", type=float, default=90.0, help="time cap in seconds for the large-size runs")
    parser.add_argument("--pairs", type=int, default=len(PAIRS))
    parser.add_argument("--large-pairs", type=int, default=len(PAIRS), help="pairs that also run at --large-size")
    parser.add_argument("--repeats", type=int, default=3, help="alternated full 512 px runs of each default (0: none)")
    parser.add_argument("--tag", default="", help="suffix for the result files (speed-TAG.json, speed-TAG.png)")
    parser.add_argument("--quick", action="store_true", help="tiny settings, to check the script runs")
    parser.add_argument("--no-markdown", action="store_true", help="do not rewrite BENCHMARKS.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.large_size, args.baseline_steps, args.cap, args.pairs, args.repeats = 96, 128, 120, 10.0, 1, 1

    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        machine = torch.cuda.get_device_name(0)
    else:
        from facestyle.features.encoder import cpu_has_native_bf16

        # Whether facestyle's runs (precision "auto") are bf16 or float32 on this CPU.
        arithmetic = "native bf16" if cpu_has_native_bf16() else "no native bf16, so facestyle runs in float32"
        machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, {arithmetic}"
    report = {
        "date": datetime.date.today().isoformat(),
        "device": device,
        "machine": machine,
        "load_average_at_start": os.getloadavg(),
        "size": args.size,
        "large_size": args.large_size,
        "pairs": [],
    }
    baseline_options = {"recipe": "report", "steps": args.baseline_steps, "precision": "fp32"}
    default_options = {"objective": "report"}
    generic_options = {"objective": "report", **GENERIC_OPTIMISATION}
    for content_rel, style_rel in PAIRS[: args.pairs]:
        content, style = str(IMAGES / content_rel), str(IMAGES / style_rel)
        name = f"{Path(content_rel).stem.split('_', 2)[2]} × {Path(style_rel).stem.split('_', 1)[1]}"
        print(f"== {name}", flush=True)
        baseline = run_in_fresh_process("baseline", content, style, args.size, baseline_options, None)
        level = level_of(baseline["curve"])
        ours = run_in_fresh_process("default", content, style, args.size, default_options, None, level)
        generic = run_in_fresh_process("default", content, style, args.size, generic_options, None, level)
        adain = run_in_fresh_process("adain", content, style, args.size, {"method": "adain"}, None)
        # Reached when an image measured in float32 (the baseline's arithmetic) is at the level; the
        # run's own (bf16) J reaching it is recorded too.
        reached = time_to_reach_float32(ours, level)
        ratio = baseline["seconds"] / reached if reached else None
        generic_reached = time_to_reach_float32(generic, level)
        large = len(report["pairs"]) < args.large_pairs
        big_base = big_ours = None
        if large:
            big_base = run_in_fresh_process(
                "baseline", content, style, args.large_size, {"recipe": "report", "steps": 100000, "precision": "fp32"}, args.cap
            )
            big_ours = run_in_fresh_process("default", content, style, args.large_size, default_options, args.cap)
        entry = {
            "pair": name,
            "baseline": baseline,
            "default": ours,
            "generic": generic,
            "adain": adain,
            "baseline_level": level,
            "default_reaches_level_at": reached,
            "time_to_j_ratio": ratio,
            "generic_reaches_level_at": generic_reached,
            "generic_time_to_j_ratio": baseline["seconds"] / generic_reached if generic_reached else None,
            "own_j_reaches_level_at": {"default": time_to_reach(ours["curve"], level, args.size)},
            "large": None if not large else {
                "baseline": big_base,
                "default": big_ours,
                "equal_time": min(big_base["seconds"], big_ours["seconds"]),
                "baseline_j": j_at(big_base["curve"], min(big_base["seconds"], big_ours["seconds"]), args.large_size),
                "default_j": j_at(big_ours["curve"], min(big_base["seconds"], big_ours["seconds"]), args.large_size),
            },
        }
        report["pairs"].append(entry)
        print(_pair_table(entry, args), flush=True)
    ratios = [p["time_to_j_ratio"] for p in report["pairs"] if p["time_to_j_ratio"]]
    report["median_ratio"] = statistics.median(ratios) if ratios else None
    report["all_pairs_reached"] = len(ratios) == len(report["pairs"])
    generic_ratios = [p["generic_time_to_j_ratio"] for p in report["pairs"] if p["generic_time_to_j_ratio"]]
    report["median_generic_ratio"] = statistics.median(generic_ratios) if generic_ratios else None
    report["full_default"] = full_default_runs(args) if args.repeats else None
    if report["full_default"]:
        print(_full_default_table(report["full_default"]), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if args.quick else (f"-{args.tag}" if args.tag else "")
    (RESULTS / f"speed{suffix}.json").write_text(json.dumps(report, indent=1))
    _plot(report, RESULTS / f"speed{suffix}.png")
    markdown = _markdown(report, args, suffix)
    print(markdown)
    if not args.no_markdown and not args.quick:
        replace_section(ROOT / "BENCHMARKS.md", "speed", markdown)
    return 0


def full_default_runs(args) -> dict:
    """The demo pair at ``--large-size`` with the default objective: the current default against the
    previous one, alternated so that both see the same drift of the machine's speed."""
    content, style = (str(path) for path in DEMO)
    runs: dict[str, list] = {"previous": [], "current": []}
    for repeat in range(args.repeats):
        print(f"== full default run at {args.large_size} px, repeat {repeat + 1}/{args.repeats}", flush=True)
        runs["previous"].append(run_in_fresh_process("default", content, style, args.large_size, PREVIOUS_DEFAULT, None))
        runs["current"].append(run_in_fresh_process("default", content, style, args.large_size, {}, None))
    summary = {}
    for key, values in runs.items():
        summary[key] = {
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


def _full_default_table(full: dict) -> str:
    rows = [
        "| run | seconds (each repeat) | median | final J | peak memory (MB) |",
        "|---|---|---:|---:|---:|",
    ]
    for key, label in (("previous", "previous default (upscale=image, 300 steps)"), ("current", "current default (upscale=residual, 200 steps)")):
        run = full[key]
        rows.append(
            f"| {label} | {', '.join(f'{x:.1f}' for x in run['seconds'])} | **{run['median_seconds']:.1f}** "
            f"| {_fmt(run['final_j'], '.4g')} | {run['peak_mb']:.0f} |"
        )
    reached = ", ".join(_fmt(x, ".1f") for x in full["previous_reaches_current_j_at"])
    rows.append(
        f"\nThe default is {full['ratio']:.2f}× faster than the previous default; the previous default first "
        f"reaches the default's final J after {reached} s."
    )
    return "\n".join(rows)


def _fmt(value, spec=".3g") -> str:
    return "—" if value is None else format(value, spec)


def _pair_table(entry: dict, args) -> str:
    rows = [
        "| run | seconds | final J | final J in float32 | peak memory (MB) |",
        "|---|---:|---:|---:|---:|",
    ]
    runs = (
        ("baseline", f"report recipe, Adam {args.baseline_steps} steps"),
        ("default", "facestyle default on objective=report (AdaIN start, 1 scale)"),
        ("generic", "generic default (photo start, 3 scales, 200 steps)"),
        ("adain", "adain alone"),
    )
    for key, label in runs:
        run = entry[key]
        final = entry["baseline_level"] if key == "baseline" else run["final_j"]
        exact = "" if key == "baseline" else _fmt(run.get("final_j_float32"))
        rows.append(f"| {label} | {run['seconds']:.1f} | {_fmt(final)} | {exact} | {run['peak_mb']:.0f} |")
    rows.append(
        f"\nbaseline level (median J of last 100 steps) {entry['baseline_level']:.4g}; facestyle's image, measured in "
        f"float32, reaches it after "
        f"{_fmt(entry['default_reaches_level_at'], '.1f')} s → **time-to-J ratio {_fmt(entry['time_to_j_ratio'], '.1f')}×** "
        f"(by its own J after {_fmt(entry['own_j_reaches_level_at']['default'], '.1f')} s); the generic default "
        f"after {_fmt(entry['generic_reaches_level_at'], '.1f')} s → ratio {_fmt(entry['generic_time_to_j_ratio'], '.1f')}×"
    )
    large = entry["large"]
    if large is None:
        return "\n".join(rows)
    rows.append(
        f"\n{args.large_size} px, capped at {args.cap:.0f} s: at {large['equal_time']:.1f} s the report recipe has "
        f"J = {_fmt(large['baseline_j'])} and facestyle J = {_fmt(large['default_j'])} "
        + ("(facestyle was stopped at the cap" if large["default"]["capped"] else
           f"(facestyle finished its whole run in {large['default']['seconds']:.1f} s")
        + f", peak {large['default']['peak_mb']:.0f} MB)"
    )
    return "\n".join(rows)


def _markdown(report: dict, args, suffix: str) -> str:
    lines = [
        f"Measured {report['date']} on {report['machine']} ({report['device']}); load average at start "
        f"{', '.join(f'{x:.2f}' for x in report['load_average_at_start'])}. Objective: the report's "
        f"(content relu5_4, balanced λ, α=10, β=40) at {report['size']} px. Command: `python benchmarks/speed.py`.",
        "",
    ]
    for entry in report["pairs"]:
        lines += [f"#### {entry['pair']}", "", _pair_table(entry, args), ""]
    lines.append(
        f"**Median time-to-J ratio across pairs: default {_fmt(report['median_ratio'], '.1f')}× "
        f"(the level reached on {'every pair' if report['all_pairs_reached'] else 'only some pairs'}), "
        f"generic default {_fmt(report['median_generic_ratio'], '.1f')}×.** (Each median is over the pairs where "
        "that run reached the level.)"
    )
    if report["full_default"]:
        lines += ["", f"#### Full default `gatys` run at {report['large_size']} px, demo pair, default objective", ""]
        lines.append(_full_default_table(report["full_default"]))
    lines.append(f"\n![J against seconds](benchmarks/results/speed{suffix}.png)")
    return "\n".join(lines)


def _plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    pairs = report["pairs"]
    figure, axes = plt.subplots(1, len(pairs), figsize=(4.2 * len(pairs), 3.6), dpi=100, squeeze=False)
    for axis, entry in zip(axes[0], pairs):
        runs = (("baseline", "report recipe (Adam)"), ("default", "facestyle default (AdaIN start)"),
                ("generic", "generic default (photo start)"))
        for key, label in runs:
            curve = [(t, j) for t, j, at in entry[key]["curve"] if at == report["size"]]
            axis.plot([t for t, _ in curve], [j for _, j in curve], label=label, linewidth=1.2)
        axis.axhline(entry["baseline_level"], color="gray", linestyle=":", linewidth=1, label="baseline level")
        axis.set_yscale("log")
        axis.set_xscale("log")
        axis.set_title(entry["pair"], fontsize=8)
        axis.set_xlabel("seconds")
        axis.grid(True, which="both", alpha=0.25)
    axes[0][0].set_ylabel(f"J at {report['size']} px")
    axes[0][0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


if __name__ == "__main__":
    sys.exit(main())
