"""The flags shared by ``run`` and ``study``: Settings fields, and where the input images come from.

Each Settings flag is built from the field's declared spec (:data:`facestyle.settings.OPTION_SPECS`):
its name with dashes, its type, choices, range and help, so the command line offers exactly what
validation accepts.
"""

from __future__ import annotations

import argparse
from typing import Any

from facestyle.errors import OptionError
from facestyle.option_specs import OptionSpec
from facestyle.settings import OBJECTIVE_OPTIMISATION, OBJECTIVES, OPTION_SPECS, RECIPES


def add_quiet(parser: Any) -> None:
    parser.add_argument("--quiet", action="store_true", default=False, help="no progress bar")


def add_debug(parser: Any) -> None:
    parser.add_argument("--debug", action="store_true", default=False, help="show tracebacks on errors")


def add_settings_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags that set Settings fields, by --help group, plus the style files and presets."""
    _add_flags(parser, "method", "strength")

    styles = parser.add_argument_group("style images and colour")
    styles.add_argument(
        "--style",
        dest="extra_styles",
        action="append",
        metavar="FILE",
        help="a style image; repeat for several, blended (after STYLE when given)",
    )
    _add_flags(styles, "style_blend", "style_scale", "preserve_color")

    presets = parser.add_argument_group("presets (explicit flags override them)")
    presets.add_argument("--recipe", choices=sorted(RECIPES), help="the report's objective and optimisation")
    report = OBJECTIVE_OPTIMISATION["report"]
    presets.add_argument(
        "--objective",
        choices=sorted(OBJECTIVES),
        help=f"'report': the report's layers, λ, α, β, optimised from the AdaIN result ({report['scales']} scale, "
        f"{report['steps']} steps); default facestyle's",
    )

    objective = parser.add_argument_group("objective: J = α·J_content + β·J_style")
    _add_flags(objective, "size", "style_size", "content_layer", "style_layers", "alpha", "beta", "tv_weight")

    faces = parser.add_argument_group("faces")
    _add_flags(faces, "face_protect", "face_aware", "region_style")
    faces.add_argument(
        "--plain", dest="face_aware", action="store_false", default=None,
        help="no face guidance: plain Gatys over the whole image",
    )
    faces.add_argument("--save-masks", metavar="FILE", help="write the photo's face region masks as an overlay PNG")

    optimisation = parser.add_argument_group("optimisation")
    _add_flags(optimisation, "optimizer", "steps", "lr", "init", "noise", "seed", "scales", "min_size", "upscale",
               "composition_size", "texture_steps", "tile", "stop_tol", "stop_window")
    _add_flags(parser.add_argument_group("machine"), "device", "precision", "weights", "decoder_weights")


def _add_flags(group: Any, *names: str) -> None:
    for name in names:
        add_option_flag(group, OPTION_SPECS[name])


def add_option_flag(group: Any, spec: OptionSpec) -> None:
    """``--name-with-dashes`` for one option; None (not given) leaves the value to presets and config."""
    flag = "--" + spec.name.replace("_", "-")
    if spec.kind is bool:
        text = spec.help + (" (the default)" if spec.default is True else "")
        group.add_argument(flag, dest=spec.name, action="store_true", default=None, help=text)
        return
    options: dict[str, Any] = {"dest": spec.name, "default": None, "help": option_help(spec)}
    if spec.kind in (int, float):
        options["type"] = spec.kind
    if spec.choices and spec.indexed:
        options["metavar"] = "{" + ",".join(spec.choices) + "}"  # "cuda:1" too, so argparse cannot check it
    elif spec.choices:
        options["choices"] = spec.choices
    if spec.metavar:
        options["metavar"] = spec.metavar
    group.add_argument(flag, **options)


def option_help(spec: OptionSpec) -> str:
    """The flag's help: what it does, its range when it is a bounded number, and its default in brackets.

    Only fractional options show their range: an integer's bounds are technical limits (image
    sides, seeds) that error messages give when they are crossed.
    """
    text = spec.help
    if spec.kind is float and spec.low is not None and spec.high is not None:
        ranges = [f"{spec.low:g}..{spec.high:g}"]
        ranges += [f"{method} {spec.low:g}..{high:g}" for method, high in spec.method_high.items()]
        text += f" ({'; '.join(ranges)})"
    default = spec.default_text
    if default is None and spec.default is not None:
        default = f"{spec.default:g}" if isinstance(spec.default, float) else str(spec.default)
    return f"{text} [{default}]" if default else text


def settings_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The Settings fields given explicitly on the command line (None means 'not given')."""
    values = {name: getattr(args, name, None) for name in OPTION_SPECS}
    return {name: value for name, value in values.items() if value is not None}


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
