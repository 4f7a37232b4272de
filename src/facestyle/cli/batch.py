"""``facestyle batch``: paint every photo of a folder, resumable, with one progress bar and a summary CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from facestyle.cli.options import (
    add_debug,
    add_quiet,
    add_settings_arguments,
    settings_overrides,
)
from facestyle.cli.worker import add_broker, broker_url, require_cluster_extra
from facestyle.errors import OptionError

#: The exit code when the batch finished but some photos failed (bad arguments stay 2).
EXIT_SOME_FAILED = 1
EXIT_INTERRUPTED = 130


def add_command(commands: Any) -> None:
    batch = commands.add_parser(
        "batch",
        help="paint every photo of a folder",
        description=(
            "Paint every photo in PHOTOS_DIR in the style of --style PAINTING into OUT_DIR (NAME.jpg → NAME.png, "
            "settings and inputs embedded as 'run' does) and write OUT_DIR/summary.csv (photo, status, seconds, "
            "costs, error). Run again, it keeps the photos whose output was made from the same photo, painting "
            "and settings, and paints the rest; a photo that fails is reported and the others go on. Exit code 1 "
            "when a photo failed."
        ),
        argument_default=None,
    )
    batch.add_argument("photos", metavar="PHOTOS_DIR", help="the folder of face photos (not its subfolders)")
    batch.add_argument("-o", "--output", required=True, metavar="OUT_DIR", help="folder for the portraits (created)")
    batch.add_argument("--config", metavar="FILE", help="TOML file with the settings; flags override it")
    batch.add_argument(
        "--redo", action="store_true", default=False, help="paint every photo again, even those already done"
    )
    add_settings_arguments(batch)
    add_broker(batch, required_help="without it the photos are painted in this process")
    add_quiet(batch)
    add_debug(batch)
    batch.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from facestyle.batch import paint_folder
    from facestyle.config import load_config, make_run_settings

    config = load_config(args.config) if args.config else None
    styles = args.extra_styles or _configured_styles(config)
    if not styles:
        raise OptionError("no painting was given; name it with --style PAINTING")
    settings = make_run_settings(
        config=config, recipe=args.recipe, objective=args.objective, overrides=settings_overrides(args)
    )
    runner = _cluster_runner(args, styles)
    bar = BatchProgressBar(enabled=not args.quiet)
    try:
        with bar:
            report = paint_folder(args.photos, styles, args.output, settings, progress=bar, redo=args.redo,
                                  runner=runner)
    except KeyboardInterrupt:
        print(
            f"facestyle: interrupted; the portraits finished so far are kept in {args.output}, "
            "run the same command again to paint the rest",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    for notice in report.notices:
        print(f"facestyle: {notice}", file=sys.stderr)
    counts = {status: len(report.with_status(status)) for status in ("done", "already done", "failed")}
    print(
        f"wrote {report.folder}: {counts['done']} painted, {counts['already done']} already done, "
        f"{counts['failed']} failed; see {report.summary}",
        file=sys.stderr,
    )
    return EXIT_SOME_FAILED if report.failed else 0


def _cluster_runner(args: argparse.Namespace, styles: list[str]) -> Any:
    """The runner that sends the photos to the cluster with --broker; None paints in this process."""
    broker = broker_url(args)
    if broker is None:
        if args.blobs:
            raise OptionError("--blobs is for cluster mode; give --broker (or $FACESTYLE_BROKER) too")
        return None
    require_cluster_extra()
    from facestyle.cluster.batch import ClusterRunner
    from facestyle.cluster.client import check_broker_url

    check_broker_url(broker)
    if len(styles) != 1:
        raise OptionError("a batch on the cluster takes one painting; give one --style")
    blobs = Path(args.blobs).expanduser() if args.blobs else None
    return ClusterRunner(broker, blobs_dir=blobs, prefix=args.key_prefix)


def _configured_styles(config: Any) -> list[str]:
    configured = config.run.get("style") if config else None
    return configured if isinstance(configured, list) else [configured] if configured else []


class BatchProgressBar:
    """One tqdm bar over the photos to paint, advancing within a photo step by step, with ETA.

    A failed photo, or one with a note (no face found), gets its own line above the bar.
    """

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def __enter__(self) -> BatchProgressBar:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def __call__(self, update: Any) -> None:
        from tqdm import tqdm

        if self.enabled and self.bar is None:
            self.bar = tqdm(
                total=update.to_paint, unit="photo", file=sys.stderr, dynamic_ncols=True, leave=True,
                bar_format="{l_bar}{bar}| {n:.1f}/{total} photos [{elapsed}<{remaining}{postfix}]",
            )
        row = update.row
        if row is not None and (row.error or row.note):
            text = f"failed: {row.error}" if row.error else f"note: {row.note}"
            tqdm.write(f"{row.photo}: {text}", file=sys.stderr)
        if self.bar is None:
            return
        done = float(update.finished)
        if update.event is not None and update.event.total_steps:
            done += min(update.event.step / update.event.total_steps, 1.0)
        self.bar.set_postfix_str(update.job.name, refresh=False)
        self.bar.update(done - self.bar.n)
