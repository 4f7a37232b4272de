"""What the page and the API may ask of the engine: quality presets, extra controls, typed options.

The studio's three qualities are defined once, in :data:`QUALITY_PRESETS`. Extra controls
(strength, face protection, colour) are shown only for :class:`~facestyle.settings.Settings`
fields that exist, found by introspection, so the page gains them as the engine does without
this module or the page being edited. Every value a client sends is converted to the field's
type here and then validated by :func:`facestyle.settings.make_settings`, the single source of
defaults and rules.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from dataclasses import dataclass
from typing import Any, Mapping

from facestyle import settings as settings_module
from facestyle.errors import OptionError
from facestyle.settings import Settings, make_settings
from facestyle.web.config import StudioConfig

#: The studio's qualities as Settings overrides; "fast" is the one-pass AdaIN mode once the
#: engine accepts it (see :func:`quality_options`). "best" is the engine's own defaults.
QUALITY_PRESETS: dict[str, dict[str, Any]] = {
    "fast": {"method": "adain", "size": 512},
    "balanced": {"method": "gatys", "size": 384, "steps": 120},
    "best": {"method": "gatys", "size": Settings.size, "steps": Settings.steps},
}
#: "fast" until ``method="adain"`` exists: a small, short Gatys run (about half a minute on a laptop CPU).
FAST_WITHOUT_ADAIN: dict[str, Any] = {"method": "gatys", "size": 256, "steps": 30}
DEFAULT_QUALITY = "balanced"

#: Settings fields any client may set directly, besides the extra controls below.
BASIC_OPTIONS = ("method", "size", "steps", "seed")

#: Extra controls the page shows when Settings has a field of that name: (label, help, methods
#: the field affects; empty for all).
EXTRA_CONTROLS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "strength": ("Strength", "how much of the painting to apply (0 = the photo)", ()),
    "face_aware": ("Face-aware", "find the face and keep its features close to the photo", ("gatys",)),
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
        close = difflib.get_close_matches(str(quality), list(QUALITY_PRESETS), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise OptionError(f"unknown quality '{quality}'; {hint}choose from {', '.join(QUALITY_PRESETS)}")
    options = dict(QUALITY_PRESETS[quality])
    if options.get("method") not in settings_module.METHODS:
        # Read at call time, so the preset switches to AdaIN as soon as the engine offers it.
        return dict(FAST_WITHOUT_ADAIN)
    return options


def field_types() -> dict[str, Any]:
    """Settings field name → its type, with ``X | None`` reduced to ``X``."""
    hints = typing.get_type_hints(Settings)
    names = {f.name for f in dataclasses.fields(Settings)}
    return {name: _without_none(hints[name]) for name in names}


def extra_controls() -> list[Control]:
    """The extra controls whose Settings field exists, in :data:`EXTRA_CONTROLS` order."""
    types_by_name = field_types()
    defaults = Settings()
    controls = []
    for name, (label, help_text, methods) in EXTRA_CONTROLS.items():
        if name not in types_by_name:
            continue
        control = _control_for(name, label, help_text, types_by_name[name], getattr(defaults, name))
        if control is not None:
            controls.append(dataclasses.replace(control, methods=methods))
    return controls


def settable_options() -> tuple[str, ...]:
    """Every option name a client may send: the basic ones and the existing extra controls."""
    return BASIC_OPTIONS + tuple(control.name for control in extra_controls())


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
    allowed = settable_options()
    types_by_name = field_types()
    for name, text in form.items():
        if name == "quality":
            continue
        if name not in allowed:
            close = difflib.get_close_matches(name, list(allowed), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise OptionError(f"unknown option '{name}'; {hint}the studio accepts {', '.join(('quality', *allowed))}")
        if text is None or str(text).strip() == "":
            continue  # An empty form field means "use the preset".
        value = _convert(name, str(text).strip(), types_by_name[name])
        if name in caps and isinstance(value, int) and value > caps[name]:
            raise OptionError(f"{name} must be at most {caps[name]} in this studio, not {value}")
        options[name] = value
    make_settings(**options)  # Validates every value; raises OptionError with a hint.
    return quality, options


def describe() -> dict[str, Any]:
    """What ``GET /api/options`` returns: the qualities, the extra controls and the methods."""
    return {
        "qualities": [{"name": name, "options": quality_options(name)} for name in QUALITY_PRESETS],
        "default_quality": DEFAULT_QUALITY,
        "controls": [dataclasses.asdict(control) for control in extra_controls()],
        "methods": list(settings_module.METHODS),
        "options": list(("quality", *settable_options())),
    }


def _control_for(name: str, label: str, help_text: str, kind: Any, default: Any) -> Control | None:
    if kind is bool:
        return Control(name, label, help_text, "checkbox", bool(default))
    if kind in (int, float):
        number = float(default) if default is not None else 0.0
        top = 1.0 if 0.0 <= number <= 1.0 else max(2.0 * number, 1.0)
        step = 1.0 if kind is int else round(top / 20, 6)
        return Control(name, label, help_text, "range", default, 0.0, top, step)
    if kind is str:
        choices = _choices_for(name)
        if choices:
            if default is None:  # an optional choice: "off" stands for None
                return Control(name, label, help_text, "select", OFF, choices=(OFF, *choices))
            return Control(name, label, help_text, "select", default, choices=choices)
    return None


def _choices_for(name: str) -> tuple[str, ...]:
    """A str field's choices, from the settings module's tuple named after it (``method`` → ``METHODS``)."""
    for candidate in (f"{name.upper()}S", f"{name.upper()}ES"):
        value = getattr(settings_module, candidate, None)
        if isinstance(value, tuple) and all(isinstance(item, str) for item in value):
            return value
    return ()


def _without_none(kind: Any) -> Any:
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        rest = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return kind


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
