"""``facestyle run``: stylise one photo and write the result with its settings and inputs embedded."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from facestyle.cli.options import (
    add_debug,
    add_quiet,
    add_settings_arguments,
    run_inputs,
    settings_overrides,
)
from facestyle.errors import OptionError

if TYPE_CHECKING:
    from PIL import Image


def add_command(commands: Any) -> None:
    run = commands.add_parser(
        "run",
        help="stylise one photo",
        description="Stylise CONTENT (a face photo) in the style of STYLE (a painting) and write OUTPUT.",
        argument_default=None,
    )
    run.add_argument("content", nargs="?", help="the face photo (JPEG, PNG, …)")
    run.add_argument("style", nargs="?", help="the painting or drawing whose style to use")
    run.add_argument("-o", "--output", help="result image, .png or .jpg")
    run.add_argument(
        "--config", metavar="FILE", help="TOML file holding any option (keys as in Settings); flags override it"
    )
    add_settings_arguments(run)

    outputs = run.add_argument_group("seeing progress")
    outputs.add_argument("--save-every", type=int, metavar="N", help="also save the image every N steps")
    outputs.add_argument("--log", metavar="FILE", help="write the costs of every step to FILE.csv or FILE.json")
    outputs.add_argument("--plot", metavar="FILE", help="plot the cost curves to FILE.png")
    add_quiet(outputs)
    add_debug(outputs)
    run.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from facestyle.cli.progress import ProgressPrinter, print_summary
    from facestyle.config import load_config, make_run_settings, save_output
    from facestyle.costlog import check_log_path, plot_histories, write_history
    from facestyle.engine import resolve_device, stylize
    from facestyle.features.encoder import precision_notice
    from facestyle.image.io import check_output_path, load_image
    from facestyle.sizing import check_size

    config = load_config(args.config) if args.config else None
    content, styles = run_inputs(args, config)
    configured = config.run if config else {}
    output_name = args.output or configured.get("output")
    if not output_name:
        raise OptionError("no output was given; use -o OUTPUT.png (or output = ... in the --config file)")
    save_every = args.save_every if args.save_every is not None else configured.get("save_every")
    log = args.log or configured.get("log")
    plot = args.plot or configured.get("plot")
    if save_every is not None and save_every < 1:
        raise OptionError(f"--save-every must be 1 or more, not {save_every}")
    output = check_output_path(output_name)
    if log:
        check_log_path(log)
    if plot:
        check_log_path(plot, suffixes=(".png",))
    if args.save_masks:
        check_log_path(args.save_masks, suffixes=(".png",))
    settings = make_run_settings(
        config=config, recipe=args.recipe, objective=args.objective, overrides=settings_overrides(args)
    )
    # Said before the run too: they are about how long the run will take and whether it can work.
    device = resolve_device(settings.device)
    # Read once, at the scale the run needs (a large JPEG decodes smaller), and handed to the run.
    photo = load_image(content, what="content image", long_side=settings.size)
    early = check_size(settings, photo.size, device=device.type)
    slow = precision_notice(settings, device)
    early += [slow] if slow else []
    for notice in early:
        print(f"facestyle: {notice}", file=sys.stderr)
    printer = ProgressPrinter(enabled=not args.quiet, save_every=save_every, output=output)
    with printer:
        result = stylize(photo, styles, settings, progress=printer)
    for note in result.notes:
        if note not in early:
            print(f"facestyle: {note}", file=sys.stderr)
    if args.save_masks:
        _save_mask_overlay(photo, settings.size, args.save_masks)
    save_output(result.image, result.settings, output, content=content, styles=styles)
    if log:
        write_history(result.history, log)
    if plot:
        plot_histories({output.stem: result.history}, plot, title=f"facestyle: {output.name}")
    print_summary(output, result)
    return 0


def _save_mask_overlay(content: Image.Image, size: int, path: str) -> None:
    """The face regions found on the photo the run painted, drawn over it."""
    from facestyle.faces.analysis import analyse
    from facestyle.faces.masks import region_masks
    from facestyle.faces.overlay import render_mask_overlay
    from facestyle.image.io import resize_long_side, save_image

    photo = resize_long_side(content, size)
    analysis = analyse(photo)
    save_image(render_mask_overlay(photo, region_masks(analysis)), path)
