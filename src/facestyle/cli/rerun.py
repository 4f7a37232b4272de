"""``facestyle rerun``: make an output again from what it embeds, and say whether it came out identical."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from facestyle.cli.options import add_debug, add_quiet
from facestyle.errors import OptionError


def add_command(commands: Any) -> None:
    rerun = commands.add_parser(
        "rerun",
        help="make an output again from the settings and inputs it embeds",
        description=(
            "Read the settings and input files recorded in IMAGE (written by 'facestyle run'), check the inputs are "
            "unchanged (sha256), run again and say whether the new image is identical."
        ),
    )
    rerun.add_argument("image", help="an image written by facestyle run")
    rerun.add_argument("-o", "--output", help="where to write the new image [IMAGE.rerun.png next to IMAGE]")
    add_quiet(rerun)
    add_debug(rerun)
    rerun.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    import numpy as np

    from facestyle import __version__
    from facestyle.cli.progress import ProgressPrinter, print_summary
    from facestyle.config import plan_rerun, save_output
    from facestyle.engine import stylize
    from facestyle.image.io import check_output_path, load_image

    plan = plan_rerun(args.image)
    original = Path(args.image)
    output = check_output_path(args.output or original.with_name(f"{original.stem}.rerun{original.suffix}"))
    if output.resolve() == original.resolve():
        raise OptionError(f"rerun would overwrite '{original}' itself; give another -o OUTPUT")
    if plan.version and plan.version != __version__:
        print(f"note: '{original}' was made by facestyle {plan.version}, this is {__version__}", file=sys.stderr)
    printer = ProgressPrinter(enabled=not args.quiet)
    with printer:
        result = stylize(plan.content, plan.styles, plan.settings, progress=printer)
    save_output(result.image, result.settings, output, content=plan.content, styles=plan.styles)
    print_summary(output, result)
    before = np.asarray(load_image(original), dtype=np.int16)
    after = np.asarray(load_image(output), dtype=np.int16)
    if before.shape != after.shape:
        new_size, old_size = f"{after.shape[1]}x{after.shape[0]}", f"{before.shape[1]}x{before.shape[0]}"
        print(f"differs from {original}: {new_size} instead of {old_size}")
    elif np.array_equal(before, after):
        print(f"identical to {original}")
    else:
        difference = np.abs(before - after)
        print(
            f"differs from {original}: {np.mean(difference > 0):.1%} of values changed, "
            f"max difference {difference.max()}/255 (another machine, thread count or library version?)"
        )
    return 0
