"""``facestyle tune``: tune a painting's fast-mode signal once, so fast paintings carry more of its marks."""

from __future__ import annotations

import argparse
from typing import Any

from facestyle.cli.options import add_debug, add_quiet


def add_command(commands: Any) -> None:
    from facestyle.fast.signal_tuning import Tuning

    tune = commands.add_parser(
        "tune",
        help="tune a painting for the fast mode (about 80 s), so fast paintings look more like it",
        description="Tune PAINTING's style signal for the fast mode on one or more face PHOTOs and file it "
        "(in $FACESTYLE_SIGNALS, else ~/.cache/facestyle/signals). From then on 'run --method fast' and "
        "'--method adain' paint with it whenever PAINTING is the style. The gallery's paintings come tuned.",
    )
    tune.add_argument("painting", help="the painting or drawing (JPEG, PNG, …)")
    tune.add_argument("photos", nargs="+", metavar="PHOTO", help="face photos to paint while tuning")
    tune.add_argument("--steps", type=int, default=Tuning.steps, help=f"tuning steps [{Tuning.steps}]")
    add_quiet(tune)
    add_debug(tune)
    tune.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from facestyle.cli.progress import StepPrinter
    from facestyle.fast.signal_tuning import tune_style

    with StepPrinter(enabled=not args.quiet) as printer:
        path = tune_style(args.painting, args.photos, steps=args.steps, progress=printer)
    print(f"wrote {path}; fast paintings in this style now use it")
    return 0
