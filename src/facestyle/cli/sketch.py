"""``facestyle sketch``: draw one photo in pencil, charcoal or ink and write the drawing."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from facestyle.cli.options import add_debug, add_quiet
from facestyle.errors import OptionError


def add_command(commands: Any) -> None:
    from facestyle.sketch.drawing import DEFAULT_TEXTURE, QUALITIES, TEXTURES
    from facestyle.sketch.exemplars import DEFAULT_MEDIUM, MEDIUMS

    sketch = commands.add_parser(
        "sketch",
        help="draw one photo in pencil, charcoal or ink",
        description="Draw PHOTO (a face photo) as a pencil, charcoal or ink drawing that keeps the face, "
        "and write OUTPUT. Mediums: " + "; ".join(f"{name}: {m.description}" for name, m in MEDIUMS.items()),
    )
    sketch.add_argument("photo", nargs="?", help="the face photo (JPEG, PNG, …)")
    sketch.add_argument("-o", "--output", help="result image, .png or .jpg")
    sketch.add_argument("--medium", choices=list(MEDIUMS), default=DEFAULT_MEDIUM, help=f"[{DEFAULT_MEDIUM}]")
    sketch.add_argument(
        "--exemplar", action="append", metavar="DRAWING",
        help="a drawing whose tone, paper and strokes to follow; repeat for several [the medium's own]",
    )
    sketch.add_argument("--size", type=int, default=512, help="long side of the output in pixels [512]")
    sketch.add_argument(
        "--quality", choices=QUALITIES, default="full",
        help="fast: classical rendering, under a second; full: optimised, about a minute [full]",
    )
    sketch.add_argument("--fast", dest="quality", action="store_const", const="fast", help="same as --quality fast")
    sketch.add_argument(
        "--texture", choices=TEXTURES, default=DEFAULT_TEXTURE,
        help=f"full path's texture terms: Gram matrices, patches, or both [{DEFAULT_TEXTURE}]",
    )
    sketch.add_argument("--grey", action="store_true", help="grey paper and pigment instead of the drawing's colours")
    sketch.add_argument("--flat-paper", action="store_true", help="plain paper, without the drawing's own grain")
    sketch.add_argument("--steps", type=int, help="optimisation steps of the full path [100]")
    sketch.add_argument("--seed", type=int, default=0, help="random seed; same seed, same drawing [0]")
    sketch.add_argument("--plain", action="store_true", help="no face guidance")
    add_quiet(sketch)
    add_debug(sketch)
    sketch.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from facestyle.cli.progress import ProgressPrinter, print_summary
    from facestyle.image.io import check_output_path, save_image
    from facestyle.sketch.drawing import sketch

    if not args.photo:
        raise OptionError("no PHOTO was given; use facestyle sketch PHOTO -o OUTPUT.png")
    if not args.output:
        raise OptionError("no output was given; use -o OUTPUT.png")
    output = check_output_path(args.output)
    options: dict[str, Any] = {"size": args.size, "seed": args.seed}
    if args.steps is not None:
        options["steps"] = args.steps
    if args.plain:
        options["face_aware"] = False
    printer = ProgressPrinter(enabled=not args.quiet)
    with printer:
        result = sketch(
            args.photo, medium=args.medium, exemplar=args.exemplar, quality=args.quality, texture=args.texture,
            grey=args.grey, paper_grain=not args.flat_paper, progress=printer, **options,
        )
    for note in result.notes:
        print(f"facestyle: {note}", file=sys.stderr)
    metadata = {
        "sketch": {
            "medium": args.medium, "quality": args.quality, "texture": args.texture, "grey": args.grey,
            "paper_grain": not args.flat_paper,
            "exemplars": args.exemplar or [], "size": args.size, "seed": args.seed, "steps": result.settings.steps,
        }
    }
    save_image(result.image, output, metadata=metadata)
    print_summary(output, result)
    return 0
