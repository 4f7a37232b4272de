"""What the page and the API may ask of the engine: quality presets, extra controls, typed options.

The studio's three qualities are defined once, in :data:`QUALITY_PRESETS`. Extra controls
(strength, face protection, colour) are shown for the :class:`~facestyle.settings.Settings`
fields listed in :data:`EXTRA_CONTROLS`; their choices, ranges and defaults come from the
fields' declared specs (:data:`facestyle.settings.OPTION_SPECS`), the same ones validation and
the command line read. Every value a client sends is converted to the field's type here and
then validated by :func:`facestyle.settings.make_settings`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from facestyle.errors import OptionError, did_you_mean
from facestyle.option_specs import OptionSpec
from facestyle.settings import OPTION_SPECS, Settings, make_settings
from facestyle.sketch.exemplars import MEDIUMS, get_medium
from facestyle.web.config import StudioConfig

#: The studio's qualities as Settings overrides: "fast" is the one-pass MicroAST mode with the face
#: step, "best" the engine's own defaults. "balanced" and "best" show the fast picture first.
QUALITY_PRESETS: dict[str, dict[str, Any]] = {
    "fast": {"method": "fast", "size": 512},
    "balanced": {"method": "gatys", "size": 384, "steps": 120},
    "best": {"method": "gatys", "size": Settings.size, "steps": Settings.steps},
}
DEFAULT_QUALITY = "balanced"

#: Settings fields any client may set directly, besides the extra controls below.
BASIC_OPTIONS = ("method", "size", "steps", "seed")

#: Extra controls the page shows when Settings has a field of that name: (label, help, methods
#: the field affects; empty for all). A range control's top is the one valid for all those methods.
EXTRA_CONTROLS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "strength": ("Strength", "how much of the painting to apply (0 = the photo)", ()),
    "face_aware": ("Face-aware", "find the face and keep its features close to the photo", ("gatys", "fast", "adain")),
    "face_protect": ("Face protection", "keep eyes, brows, lips and the face outline closer to the photo", ("gatys",)),
    "preserve_color": ("Colours", "keep the photo's own colours", ()),
}
#: The choice that stands for None in a select whose Settings default is None.
OFF = "off"


@dataclass(frozen=True)
class Control:
    """One extra control of the page, derived from a Settings field.

    ``kind`` is ``range`` (a number, with ``minimum``/``maximum``/``step``), ``checkbox`` (a bool)
    or ``select`` (a string from ``choices``). ``methods`` lists the methods the setting affects
    (empty: all), so the page can hide it where it would do nothing.
    """

    name: str
    label: str
    help: str
    kind: str
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()


def quality_options(quality: str) -> dict[str, Any]:
    """The Settings overrides of a quality preset.

    Raises:
        OptionError: unknown quality.
    """
    if quality not in QUALITY_PRESETS:
        hint = did_you_mean(quality, QUALITY_PRESETS)
        hint = f"{hint} " if hint else ""
        raise OptionError(f"unknown quality '{quality}'; {hint}choose from {', '.join(QUALITY_PRESETS)}")
    return dict(QUALITY_PRESETS[quality])


def field_types() -> dict[str, Any]:
    """Option name → its type, with ``X | None`` reduced to ``X``."""
    return {name: spec.kind for name, spec in OPTION_SPECS.items()}


def extra_controls() -> list[Control]:
    """The extra controls whose Settings field exists, in :data:`EXTRA_CONTROLS` order."""
    controls = []
    for name, (label, help_text, methods) in EXTRA_CONTROLS.items():
        spec = OPTION_SPECS.get(name)
        control = None if spec is None else _control_for(spec, label, help_text, methods)
        if control is not None:
            controls.append(control)
    return controls


#: A drawing instead of a painting (:func:`facestyle.sketch`, docs/sketch.md): the medium's own
#: bundled drawing is the style; the quality's method "fast" gives the classical rendering only.
DRAWING_CONTROL = Control(
    "medium", "Drawing", "draw in pencil, charcoal or ink, after the medium's own drawing, instead of painting",
    "select", OFF, choices=(OFF, *MEDIUMS),
)


def settable_options() -> tuple[str, ...]:
    """Every option name a client may send: the basic ones, the existing extra controls, the drawing."""
    return BASIC_OPTIONS + tuple(control.name for control in extra_controls()) + (DRAWING_CONTROL.name,)


def parse_options(form: Mapping[str, str], config: StudioConfig) -> tuple[str, dict[str, Any]]:
    """Turn a form's option fields (strings) into ``(quality, Settings overrides)``.

    The quality preset comes first and explicit fields override it. The result is validated by
    :func:`make_settings` and the studio's own caps on size and steps.

    Raises:
        OptionError: an unknown option, a value of the wrong type, or one out of range.
    """
    quality = (form.get("quality") or DEFAULT_QUALITY).strip()
    options = quality_options(quality)
    # A preset never asks for more than this studio allows; an explicit value over a cap is refused.
    caps = {"size": config.max_size, "steps": config.max_steps}
    for name, cap in caps.items():
        if name in options:
            options[name] = min(options[name], cap)
    caps["size"] = config.largest_size  # asked for explicitly: the print version
    allowed = settable_options()
    types_by_name = field_types()
    for name, text in form.items():
        if name == "quality":
            continue
        if name not in allowed:
            hint = did_you_mean(name, allowed)
            raise OptionError(
                f"unknown option '{name}'; " + (f"{hint} " if hint else "")
                + f"the studio accepts {', '.join(('quality', *allowed))}"
            )
        if text is None or str(text).strip() == "":
            continue  # An empty form field means "use the preset".
        value = _convert(name, str(text).strip(), types_by_name.get(name, str))
        if name in caps and isinstance(value, int) and value > caps[name]:
            raise OptionError(f"{name} must be at most {caps[name]} in this studio, not {value}")
        options[name] = value
    if options.get("medium") is not None:
        get_medium(options["medium"])
    make_settings(**{name: value for name, value in options.items() if name != "medium"})  # raises with a hint
    return quality, options


def describe() -> dict[str, Any]:
    """What ``GET /api/options`` returns: the qualities, the extra controls and the methods."""
    return {
        "qualities": [{"name": name, "options": quality_options(name)} for name in QUALITY_PRESETS],
        "default_quality": DEFAULT_QUALITY,
        "controls": [dataclasses.asdict(control) for control in (*extra_controls(), DRAWING_CONTROL)],
        "methods": list(OPTION_SPECS["method"].choices),
        "options": list(("quality", *settable_options())),
    }


def _control_for(spec: OptionSpec, label: str, help_text: str, methods: tuple[str, ...]) -> Control | None:
    """The page's control for an option: a checkbox, a slider over its declared range, or a select."""
    if spec.kind is bool:
        return Control(spec.name, label, help_text, "checkbox", bool(spec.default), methods=methods)
    if spec.kind in (int, float):
        low, high = spec.low, spec.high_for(methods or OPTION_SPECS["method"].choices)
        if low is None or high is None:
            return None  # a slider needs both ends; such an option is not offered on the page
        step = 1.0 if spec.kind is int else round((high - low) / 20, 6)
        return Control(
            spec.name, label, help_text, "range", spec.default, float(low), float(high), step, methods=methods
        )
    if spec.kind is str and spec.choices:
        if spec.default is None:  # an optional choice: "off" stands for None
            return Control(spec.name, label, help_text, "select", OFF, choices=(OFF, *spec.choices), methods=methods)
        return Control(spec.name, label, help_text, "select", spec.default, choices=spec.choices, methods=methods)
    return None


def _convert(name: str, text: str, kind: Any) -> Any:
    if kind is bool:
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise OptionError(f"{name} must be true or false, not '{text}'")
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise OptionError(f"{name} must be a whole number, not '{text}'") from None
    if kind is float:
        try:
            return float(text)
        except ValueError:
            raise OptionError(f"{name} must be a number, not '{text}'") from None
    if text == OFF:
        return None
    return text
