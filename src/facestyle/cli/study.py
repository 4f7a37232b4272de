"""``facestyle study``: the report's parameter studies, one cell per setting, resumable."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from facestyle.cli.options import (
    add_debug,
    add_quiet,
    add_settings_arguments,
    run_inputs,
    settings_overrides,
)


def add_command(commands: Any) -> None:
    study = commands.add_parser(
        "study",
        help="the report's parameter studies: a contact sheet, tables and cost curves",
        description=(
            "Stylise CONTENT once per setting of each study (one after another, resumable) and write into DIR each "
            "cell's image and record, sheet.png (labelled contact sheet), study.md and study.csv (J, J_content, "
            "J_style, seconds per cell) and costs.png (every cell's J curve). Without a study flag, runs the report's "
            "two: --layers deep,balanced,shallow and --ratios 40:10,10:40. Use --recipe report for the report's "
            "optimisation (Adam, lr 0.03, 1,001 steps) or --objective report for its objective with facestyle's "
            "faster optimisation. Other flags set the base settings, as for 'run'."
        ),
        argument_default=None,
    )
    study.add_argument("content", help="the face photo")
    study.add_argument("style", nargs="?", help="the painting or drawing")
    study.add_argument("-o", "--output", required=True, metavar="DIR", help="folder for the study (created)")
    study.add_argument("--config", metavar="FILE", help="TOML file with the base settings; flags override it")
    studies = study.add_argument_group("studies (cells run in this order)")
    studies.add_argument(
        "--layers",
        metavar="LIST",
        help="style-layer presets, e.g. deep,balanced,shallow; custom weights separated by ';' "
        "(relu1_1=1,relu2_1=1;deep)",
    )
    studies.add_argument("--ratios", metavar="LIST", help="α:β pairs with balanced λ, e.g. 40:10,10:40")
    studies.add_argument("--strengths", metavar="LIST", help="strength values, e.g. 0.5,1,2,4")
    studies.add_argument(
        "--redo", action="store_true", default=False, help="run every cell again, even those already done"
    )
    add_settings_arguments(study)
    add_quiet(study)
    add_debug(study)
    study.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from facestyle.cli.progress import StudyProgressBar
    from facestyle.config import load_config, make_run_settings
    from facestyle.image.io import load_image
    from facestyle.study import (
        DEFAULT_LAYERS,
        DEFAULT_RATIOS,
        make_cells,
        parse_layer_list,
        parse_ratios,
        parse_strengths,
        prepare_folder,
        run_study,
        write_outputs,
    )

    config = load_config(args.config) if args.config else None
    content, styles = run_inputs(args, config)
    if args.layers is None and args.ratios is None and args.strengths is None:
        args.layers, args.ratios = DEFAULT_LAYERS, DEFAULT_RATIOS
    layers = parse_layer_list(args.layers) if args.layers is not None else []
    ratios = parse_ratios(args.ratios) if args.ratios is not None else []
    strengths = parse_strengths(args.strengths) if args.strengths is not None else []
    base = make_run_settings(
        config=config, recipe=args.recipe, objective=args.objective, overrides=settings_overrides(args)
    )
    cells = make_cells(base, layers=layers, ratios=ratios, strengths=strengths)
    # Read the images before the folder is made, so a missing or broken input leaves nothing behind.
    load_image(content, what="content image")
    for style in styles:
        load_image(style, what="style image")
    folder = prepare_folder(args.output)
    bar = StudyProgressBar(enabled=not args.quiet)
    with bar:
        results = run_study(content, styles, cells, folder, progress=bar, redo=args.redo)
    write_outputs(content, styles, results, folder, base=base)
    reused = sum(result.reused for result in results)
    seconds = sum(result.seconds for result in results if not result.reused)
    print(
        f"wrote {folder}/sheet.png, study.md, study.csv, costs.png: {len(results)} cells "
        f"({len(results) - reused} run in {seconds:.0f} s, {reused} already done)",
        file=sys.stderr,
    )
    return 0
