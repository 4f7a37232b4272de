"""The speed benchmark's tables and plot, made from its results (``speed.py`` runs, this writes).

Two sections of BENCHMARKS.md come from here: ``speed`` (the report objective's time-to-J table,
BENCHMARKS.md#report-objective-speed) and ``default512`` (the full default run at 512 px,
BENCHMARKS.md#default-run-at-512-px). Both are made from the results JSON alone, so
``speed.py --markdown-from FILE`` can write them again without running anything.
"""

from __future__ import annotations

from pathlib import Path

from facestyle.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

#: The generic default's optimisation (the face-aware objective's), run on the report's objective
#: for comparison with the default that objective brings (settings.OBJECTIVE_OPTIMISATION).
GENERIC_OPTIMISATION = {name: getattr(Settings, name) for name in ("init", "scales", "steps")}
#: The default before the residual upscale: the same-run baseline for the full 512 px run.
PREVIOUS_DEFAULT = {"upscale": "image", "steps": 300}
#: The cap of files written before the results recorded it (speed.py's ``--cap`` default).
DEFAULT_CAP = 90.0


def fmt(value, spec: str = ".3g") -> str:
    return "—" if value is None else format(value, spec)


def sig3(value) -> str:
    """Three significant digits, trailing zeros kept: 14.0, 5.27, 0.620."""
    return "—" if value is None else format(value, "#.3g").rstrip(".")


def full_default_table(full: dict) -> str:
    """The ``default512`` section: each default's repeats, median, final J and peak RSS."""
    rows = [
        "| run | seconds (each repeat) | median | final J | peak RSS (MB) |",
        "|---|---|---:|---:|---:|",
    ]
    current_options = {"upscale": Settings.upscale, "steps": Settings.steps}
    for key, name, options in (("current", "default", current_options), ("previous", "previous default", PREVIOUS_DEFAULT)):
        run = full[key]
        options = run.get("options", options)
        median = f"{run['median_seconds']:.1f}"
        median = f"**{median}**" if key == "current" else median
        rows.append(
            f"| {name} (upscale={options['upscale']}, {options['steps']} steps) "
            f"| {', '.join(f'{x:.1f}' for x in run['seconds'])} | {median} "
            f"| {fmt(run['final_j'], '.4g')} | {run['peak_mb']:.0f} |"
        )
    return "\n".join(rows)


def full_default_summary(full: dict) -> str:
    """One sentence for the console: the speed-up, and when the previous default reaches the same J."""
    reached = ", ".join(fmt(x, ".1f") for x in full["previous_reaches_current_j_at"])
    return (f"The default is {full['ratio']:.2f}× faster than the previous default; the previous default first "
            f"reaches the default's final J after {reached} s.")


def pair_table(entry: dict, report: dict) -> str:
    """One pair's runs in detail, printed as the benchmark goes."""
    rows = [
        "| run | seconds | final J | final J in float32 | peak memory (MB) |",
        "|---|---:|---:|---:|---:|",
    ]
    runs = (
        ("baseline", f"report recipe, Adam {len(entry['baseline']['curve'])} steps"),
        ("default", "facestyle default on objective=report (AdaIN start, 1 scale)"),
        ("generic", f"generic default ({_generic_description().replace(chr(10), ' ')})"),
        ("adain", "adain alone"),
    )
    for key, label in runs:
        run = entry[key]
        final = entry["baseline_level"] if key == "baseline" else run["final_j"]
        exact = "" if key == "baseline" else fmt(run.get("final_j_float32"))
        rows.append(f"| {label} | {run['seconds']:.1f} | {fmt(final)} | {exact} | {run['peak_mb']:.0f} |")
    rows.append(
        f"\nbaseline level (median J of last 100 steps) {entry['baseline_level']:.4g}; facestyle's image, measured in "
        f"float32, reaches it after "
        f"{fmt(entry['default_reaches_level_at'], '.1f')} s → **time-to-J ratio {fmt(entry['time_to_j_ratio'], '.1f')}×** "
        f"(by its own J after {fmt(entry['own_j_reaches_level_at']['default'], '.1f')} s); the generic default "
        f"after {fmt(entry['generic_reaches_level_at'], '.1f')} s → ratio {fmt(entry['generic_time_to_j_ratio'], '.1f')}×"
    )
    large = entry["large"]
    if large is None:
        return "\n".join(rows)
    rows.append(
        f"\n{report['large_size']} px, capped at {report.get('cap', DEFAULT_CAP):.0f} s: at {large['equal_time']:.1f} s "
        f"the report recipe has J = {fmt(large['baseline_j'])} and facestyle J = {fmt(large['default_j'])} "
        + ("(facestyle was stopped at the cap" if large["default"]["capped"] else
           f"(facestyle finished its whole run in {large['default']['seconds']:.1f} s")
        + f", peak {large['default']['peak_mb']:.0f} MB)"
    )
    return "\n".join(rows)


def _generic_description() -> str:
    generic = GENERIC_OPTIMISATION
    start = "photo" if generic["init"] == "content" else generic["init"]
    return f"{start}\nstart, {generic['scales']} scales, {generic['steps']} steps"


def _generic_sentence(report: dict) -> str:
    what = f"The generic default ({_generic_description()}: the face-aware objective's optimisation)"
    reached = [p for p in report["pairs"] if p.get("generic_time_to_j_ratio")]
    if not reached:
        return f"{what} never reaches the level."
    return (f"{what} reaches it on {len(reached)} of {len(report['pairs'])} pairs, median ratio "
            f"{fmt(report['median_generic_ratio'], '.1f')}×.")


def speed_markdown(report: dict, plot: Path, labels: dict[str, str]) -> str:
    """The ``speed`` section: one row per pair, the median ratio, the plot."""
    pairs = report["pairs"]
    steps = len(pairs[0]["default"]["curve"]) if pairs else 0
    lines = [
        f"Measured {report['date']} on {report['machine']} ({report['device']}); load average at start "
        f"{', '.join(f'{x:.2f}' for x in report['load_average_at_start'])}. Objective: the report's "
        f"(content relu5_4, balanced λ, α=10, β=40) at {report['size']} px.",
        "",
        f"| photo × painting | recipe (s) | level | facestyle at level (s) | **time-to-J ratio** "
        f"| facestyle final J ({steps:,} steps, float32) | generic default final J "
        f"| {report['large_size']} px at the {report.get('cap', DEFAULT_CAP):.0f} s cap: recipe J / facestyle J |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for entry in pairs:
        large = entry["large"]
        ratio = entry["time_to_j_ratio"]
        ratio_text = "—" if ratio is None else f"**{ratio:.1f}×**"
        large_text = "—" if large is None else f"{sig3(large['baseline_j'])} / {sig3(large['default_j'])}"
        lines.append(
            f"| {labels.get(entry['pair'], entry['pair'])} | {entry['baseline']['seconds']:.1f} "
            f"| {entry['baseline_level']:.4g} | {fmt(entry['default_reaches_level_at'], '.1f')} "
            f"| {ratio_text} | {sig3(entry['default']['final_j_float32'])} "
            f"| {sig3(entry['generic']['final_j_float32'])} | {large_text} |"
        )
    reached = "every pair" if report["all_pairs_reached"] else (
        f"{sum(1 for p in pairs if p['time_to_j_ratio'])} of {len(pairs)} pairs")
    lines += [
        "",
        f"**Median time-to-J ratio: {fmt(report['median_ratio'], '.1f')}×, the level reached on {reached}.** "
        + _generic_sentence(report),
    ]
    link = plot.resolve().relative_to(ROOT) if plot.resolve().is_relative_to(ROOT) else plot
    lines.append(f"\n![J against seconds]({link})")
    return "\n".join(lines)


def plot(report: dict, path: Path) -> None:
    """J against seconds for each pair: the recipe, facestyle's default and the generic default."""
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
