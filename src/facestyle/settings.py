"""Every option of a run, its default, the report's presets, and their validation.

:class:`Settings` is the single source of defaults: the Python API, the CLI flags and the web
form all read them from here. *What* is optimised (the objective: layers, layer weights, α, β)
is kept apart from *how* (optimiser, steps, learning rate, initialisation, scales), so
``objective="report"`` swaps only the former and ``recipe="report"`` both.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass
from typing import Any, Mapping

from .errors import OptionError
from .vgg import LAYER_NAMES, canonical_layer

LayerWeights = tuple[tuple[str, float], ...]

#: Style-layer weights λ^[ℓ] of the report's study (MISSION.md §3), keyed by preset name.
STYLE_LAYER_PRESETS: dict[str, LayerWeights] = {
    "deep": (("relu1_1", 0.0), ("relu2_1", 0.0), ("relu3_1", 0.1), ("relu4_1", 0.4), ("relu5_1", 0.5)),
    "balanced": (("relu1_1", 0.2), ("relu2_1", 0.2), ("relu3_1", 0.2), ("relu4_1", 0.2), ("relu5_1", 0.2)),
    "shallow": (("relu1_1", 0.5), ("relu2_1", 0.4), ("relu3_1", 0.1), ("relu4_1", 0.0), ("relu5_1", 0.0)),
}

METHODS = ("gatys", "adain")
OPTIMIZERS = ("lbfgs", "adam")
INITS = ("content", "noise", "content+noise", "adain")
DEVICES = ("auto", "cpu", "cuda")
PADDINGS = ("zeros", "reflect")
POOLINGS = ("max", "avg")


@dataclass(frozen=True)
class Settings:
    """All options of one stylisation. Defaults are facestyle's own choices (see docs/DESIGN.md).

    Objective fields: ``content_layer``, ``style_layers``, ``alpha``, ``beta``, ``tv_weight``.
    Optimisation fields: ``optimizer``, ``steps``, ``lr``, ``init``, ``noise``, ``seed``.
    """

    method: str = "gatys"
    size: int = 512
    style_size: int | None = None
    #: AdaIN only: 1 = full style statistics, 0 = the photo's own features (0..1).
    strength: float = 1.0
    # -- objective: J = α·J_content + β·J_style (+ tv_weight·TV)
    content_layer: str = "relu4_2"
    style_layers: LayerWeights = STYLE_LAYER_PRESETS["balanced"]
    alpha: float = 1.0
    beta: float = 5.0
    tv_weight: float = 0.0
    #: Region-aware style and face protection when the photo has a face (see guidance.py).
    face_aware: bool = True
    #: 0 = style everywhere alike; 1 = strongest protection of eyes, brows, lips and face outline.
    face_protect: float = 0.5
    # -- optimisation
    optimizer: str = "lbfgs"
    steps: int = 300
    lr: float | None = None
    init: str = "content"
    noise: float = 0.25
    seed: int = 0
    #: Coarse-to-fine: number of sizes solved, smallest long side (see schedule.py).
    scales: int = 3
    min_size: int = 128
    #: L-BFGS only: optimise a pyramid of this many levels instead of raw pixels (1 = pixels).
    #: Off by default: it helped single-scale runs at 128 px but hurt the coarse-to-fine default at
    #: 512 px on an H200 (final J 1.86 against 0.64 in pixels; see BENCHMARKS.md).
    pyramid_levels: int = 1
    # -- network and machine
    padding: str = "zeros"
    pooling: str = "max"
    device: str = "auto"
    #: On CUDA, let convolutions and matmuls use TF32 tensor cores (see BENCHMARKS.md for the error).
    allow_tf32: bool = True
    weights: str | None = None
    decoder_weights: str | None = None
    # -- names of the presets these settings came from, for the record only
    objective: str = "facestyle"
    recipe: str | None = None

    def __post_init__(self) -> None:
        _check_choice("method", self.method, METHODS)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_choice("init", self.init, INITS)
        _check_choice("device", self.device.split(":")[0], DEVICES)
        _check_choice("padding", self.padding, PADDINGS)
        _check_choice("pooling", self.pooling, POOLINGS)
        _check_int("size", self.size, 16, 8192)
        if self.style_size is not None:
            _check_int("style_size", self.style_size, 16, 8192)
        _check_int("steps", self.steps, 0, 1_000_000)
        _check_int("seed", self.seed, 0, 2**63 - 1)
        if not isinstance(self.face_aware, bool):
            raise OptionError(f"face_aware must be true or false, not {self.face_aware!r}")
        _check_number("face_protect", self.face_protect)
        if self.face_protect > 1:
            raise OptionError(f"face_protect must be between 0 and 1, not {self.face_protect}")
        if not isinstance(self.allow_tf32, bool):
            raise OptionError(f"allow_tf32 must be true or false, not {self.allow_tf32!r}")
        _check_int("scales", self.scales, 1, 8)
        _check_int("min_size", self.min_size, 16, 8192)
        _check_int("pyramid_levels", self.pyramid_levels, 1, 8)
        _check_number("strength", self.strength)
        if self.strength > 1:
            raise OptionError(f"strength must be between 0 and 1, not {self.strength}")
        for name in ("alpha", "beta", "tv_weight", "noise"):
            _check_number(name, getattr(self, name))
        if self.lr is not None:
            _check_number("lr", self.lr)
            if self.lr == 0:
                raise OptionError("lr must be greater than 0")
        if self.alpha == 0 and self.beta == 0:
            raise OptionError("alpha and beta are both 0, so there is nothing to optimise; raise one of them")
        object.__setattr__(self, "content_layer", canonical_layer(self.content_layer))
        object.__setattr__(self, "style_layers", parse_style_layers(self.style_layers))

    @property
    def learning_rate(self) -> float:
        """The learning rate actually used: ``lr`` or the optimiser's default."""
        if self.lr is not None:
            return self.lr
        return DEFAULT_LR[self.optimizer]

    def active_style_layers(self) -> LayerWeights:
        """The style layers with a non-zero weight (zero-weight layers cost nothing to skip)."""
        return tuple((name, weight) for name, weight in self.style_layers if weight != 0)

    def deepest_layer(self) -> str:
        """The deepest VGG layer the objective reads; the encoder need not go further."""
        used = [self.content_layer, *(name for name, _ in self.active_style_layers())]
        return max(used, key=LAYER_NAMES.index)

    def replace(self, **changes: Any) -> "Settings":
        """A copy with ``changes`` applied (validated like any other settings)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict, used for embedding in outputs and for ``rerun``."""
        data = dataclasses.asdict(self)
        data["style_layers"] = {name: weight for name, weight in self.style_layers}
        return data


#: Learning rate per optimiser when ``lr`` is not given. L-BFGS takes whole quasi-Newton steps.
DEFAULT_LR = {"adam": 0.02, "lbfgs": 1.0}

#: What is optimised. ``report`` is the report's objective: block5_conv4 content, balanced λ, α=10, β=40.
OBJECTIVES: dict[str, dict[str, Any]] = {
    "facestyle": {
        "content_layer": Settings.content_layer,
        "style_layers": Settings.style_layers,
        "alpha": Settings.alpha,
        "beta": Settings.beta,
        "tv_weight": Settings.tv_weight,
        "face_aware": Settings.face_aware,
    },
    "report": {
        "content_layer": "relu5_4",
        "style_layers": STYLE_LAYER_PRESETS["balanced"],
        "alpha": 10.0,
        "beta": 40.0,
        "tv_weight": 0.0,
        "face_aware": False,
    },
}

#: A recipe is an objective plus how to optimise it.
RECIPES: dict[str, dict[str, Any]] = {
    "report": {
        "objective": "report",
        "optimizer": "adam",
        "lr": 0.03,
        "steps": 1001,
        "init": "content+noise",
        "noise": 0.25,
        "scales": 1,
    },
}


def make_settings(
    *, recipe: str | None = None, objective: str | None = None, base: Settings | None = None, **overrides: Any
) -> Settings:
    """Build settings: defaults (or ``base``) ← objective preset ← recipe ← explicit ``overrides``.

    Explicit values always win, so ``recipe="report", steps=50`` is the report's recipe cut short.

    Raises:
        OptionError: unknown recipe, objective or option name, or an invalid value.
    """
    unknown = set(overrides) - {f.name for f in dataclasses.fields(Settings)}
    if unknown:
        name = sorted(unknown)[0]
        close = difflib.get_close_matches(name, [f.name for f in dataclasses.fields(Settings)], n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise OptionError(f"unknown option '{name}'{hint}")
    values: dict[str, Any] = {}
    if recipe is not None:
        _check_choice("recipe", recipe, tuple(RECIPES))
        values.update(RECIPES[recipe])
        values["recipe"] = recipe
    objective = objective or values.pop("objective", None)
    values.pop("objective", None)
    if objective is not None:
        _check_choice("objective", objective, tuple(OBJECTIVES))
        values = {**OBJECTIVES[objective], **values, "objective": objective}
    values.update(overrides)
    return dataclasses.replace(base or Settings(), **values)


def parse_style_layers(spec: str | Mapping[str, float] | LayerWeights) -> LayerWeights:
    """Turn a preset name, ``"block1_conv1=0.5,block2_conv1=0.4"``, a mapping or pairs into λ pairs.

    Raises:
        OptionError: unknown preset or layer, a bad number, a negative weight, a repeated layer,
            or weights that add up to zero.
    """
    if isinstance(spec, str):
        text = spec.strip()
        if text in STYLE_LAYER_PRESETS:
            return STYLE_LAYER_PRESETS[text]
        if "=" not in text:
            close = difflib.get_close_matches(text, list(STYLE_LAYER_PRESETS), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise OptionError(
                f"unknown style-layer preset '{text}'; {hint}use deep, balanced, shallow "
                "or LAYER=WEIGHT pairs like relu1_1=0.5,relu2_1=0.5"
            )
        pairs = []
        for item in text.split(","):
            name, _, value = item.partition("=")
            try:
                weight = float(value)
            except ValueError:
                raise OptionError(f"style-layer weight '{item.strip()}' is not LAYER=NUMBER") from None
            pairs.append((name, weight))
    elif isinstance(spec, Mapping):
        pairs = list(spec.items())
    else:
        pairs = [tuple(pair) for pair in spec]  # type: ignore[misc]
    seen: set[str] = set()
    result = []
    for name, weight in pairs:
        layer = canonical_layer(str(name))
        weight = float(weight)
        if weight < 0 or weight != weight:
            raise OptionError(f"style-layer weight for '{name}' is {weight}; weights must be 0 or more")
        if layer in seen:
            raise OptionError(f"style layer '{name}' is given twice")
        seen.add(layer)
        result.append((layer, weight))
    if not result or sum(weight for _, weight in result) == 0:
        raise OptionError("style-layer weights add up to zero; give at least one layer a positive weight")
    return tuple(result)


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        close = difflib.get_close_matches(str(value), choices, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise OptionError(f"unknown {name} '{value}'; {hint}choose from {', '.join(choices)}")


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise OptionError(f"{name} must be a whole number, not {value!r}")
    if not low <= value <= high:
        raise OptionError(f"{name} must be between {low} and {high}, not {value}")


def _check_number(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise OptionError(f"{name} must be a number, not {value!r}")
    if value != value or value in (float("inf"), float("-inf")):
        raise OptionError(f"{name} must be a finite number, not {value}")
    if value < 0:
        raise OptionError(f"{name} must be 0 or more, not {value}")

