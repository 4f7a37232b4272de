"""How an option declares the values it accepts, once, beside its field; and the checks that read it.

A Settings field made with :func:`option` carries its choices or range, its help text and how its
default reads. Validation (``Settings.__post_init__``), the command line's flags and the studio's
controls all read these specs, so the three cannot disagree.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from facestyle.errors import OptionError, did_you_mean


def option(
    default: Any,
    *,
    choices: tuple[str, ...] = (),
    low: float | None = None,
    high: float | None = None,
    above_low: bool = False,
    method_high: Mapping[str, float] | None = None,
    indexed: bool = False,
    help: str = "",
    default_text: str | None = None,
    metavar: str | None = None,
) -> Any:
    """A Settings field with what may be set in it, read by validation, the CLI and the studio.

    ``choices``: the strings allowed (``indexed``: a choice may end in ``:N``, as ``cuda:1``).
    ``low``/``high``: the range of a number (``above_low``: ``low`` itself is excluded);
    ``method_high``: a narrower top for some methods. ``help`` says what the option does;
    ``default_text`` how its default reads to a person when that is not the value itself.
    """
    spec = {
        "choices": tuple(choices), "low": low, "high": high, "above_low": above_low,
        "method_high": dict(method_high or {}), "indexed": indexed, "help": help,
        "default_text": default_text, "metavar": metavar,
    }
    return dataclasses.field(default=default, metadata={"option": spec})


@dataclass(frozen=True)
class OptionSpec:
    """One Settings field as the user sees it: its type, default, and the values it accepts."""

    name: str
    kind: type
    default: Any
    optional: bool
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    above_low: bool = False
    method_high: Mapping[str, float] = dataclasses.field(default_factory=dict)
    indexed: bool = False
    help: str = ""
    default_text: str | None = None
    metavar: str | None = None

    def high_for(self, methods: Sequence[str]) -> float | None:
        """The top of the range valid for every one of ``methods``."""
        tops = [self.method_high.get(method, self.high) for method in methods]
        known = [top for top in tops if top is not None]
        return min(known) if known else None

    def check(self, value: Any, *, method: str) -> None:
        """Raise OptionError, with a hint, when ``value`` is not one this option accepts."""
        if value is None and self.optional:
            return
        if self.kind is bool:
            if not isinstance(value, bool):
                raise OptionError(f"{self.name} must be true or false, not {value!r}")
        elif self.kind is int:
            _check_int(self, value)
        elif self.kind is float:
            _check_number(self, value, method)
        elif self.choices:
            check_choice(self.name, value, self.choices, indexed=self.indexed)


def option_specs(cls: type) -> dict[str, OptionSpec]:
    """The specs of a dataclass's fields declared with :func:`option`, in field order."""
    hints = typing.get_type_hints(cls)
    specs = {}
    for item in dataclasses.fields(cls):
        if "option" not in item.metadata:
            continue
        kind, optional = _without_none(hints[item.name])
        specs[item.name] = OptionSpec(item.name, kind, item.default, optional, **item.metadata["option"])
    return specs


def _without_none(hint: Any) -> tuple[Any, bool]:
    """``X | None`` → ``(X, True)``; any other type → ``(type, False)``."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(rest) == 1:
            return rest[0], True
    return hint, False


def check_choice(name: str, value: Any, choices: tuple[str, ...], *, indexed: bool = False) -> None:
    chosen = value.split(":")[0] if indexed and isinstance(value, str) else value
    if chosen not in choices:
        hint = did_you_mean(value, choices)
        hint = f"{hint} " if hint else ""
        raise OptionError(f"unknown {name} '{value}'; {hint}choose from {', '.join(choices)}")


def _check_int(spec: OptionSpec, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise OptionError(f"{spec.name} must be a whole number, not {value!r}")
    if not spec.low <= value <= spec.high:  # type: ignore[operator]
        raise OptionError(f"{spec.name} must be between {spec.low} and {spec.high}, not {value}")


def _check_number(spec: OptionSpec, value: Any, method: str) -> None:
    name, low, high = spec.name, spec.low or 0.0, spec.high
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OptionError(f"{name} must be a number, not {value!r}")
    if value != value or value in (float("inf"), float("-inf")):
        raise OptionError(f"{name} must be a finite number, not {value}")
    if spec.above_low and value <= low:
        raise OptionError(f"{name} must be greater than {low:g}, not {value:g}")
    if value < low and (high is None or low == 0):
        raise OptionError(f"{name} must be {low:g} or more, not {value:g}")
    method_high = spec.method_high.get(method)
    if method_high is not None and value > method_high:
        raise OptionError(f"{name} must be between {low:g} and {method_high:g} for method {method}, not {value:g}")
    if high is not None and not low <= value <= high:
        raise OptionError(f"{name} must be between {low:g} and {high:g}, not {value:g}")
