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
from typing import Any, Mapping, Sequence

from facestyle.errors import OptionError
from facestyle.features.vgg import LAYER_NAMES, canonical_layer

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
UPSCALES = ("residual", "image")
REGION_STYLES = ("off", "shared", "matched")
DEVICES = ("auto", "cpu", "cuda")
#: Arithmetic of the VGG convolutions while optimising (see engine.compute_dtype): ``auto`` = bf16 on
#: a CPU with native bf16 instructions (AVX512-BF16 or AMX), float32 (TF32 on CUDA) elsewhere.
PRECISIONS = ("auto", "fp32", "bf16")
#: ``luminance``: transfer on luminance only, then put back the photo's colour (Gatys et al. 2017);
#: ``histogram``: give the style image the photo's colour mean and covariance first (see color.py).
PRESERVE_COLORS = ("luminance", "histogram")
#: Largest gatys ``strength`` (a multiplier of β). On the demo pair J_style falls only 13 % from
#: strength 4 to 10 and 4 % more at 30, while the face degrades (README, "Strength").
MAX_STRENGTH = 10.0
#: ``style_scale`` range: 1/8 to 8 times the output's long side.
STYLE_SCALE_RANGE = (0.125, 8.0)
PADDINGS = ("zeros", "reflect")
POOLINGS = ("max", "avg")


@dataclass(frozen=True)
class Settings:
    """All options of one stylisation. Defaults are facestyle's own choices (see docs/DESIGN.md).

    Objective fields: ``content_layer``, ``style_layers``, ``alpha``, ``beta``, ``tv_weight``,
    and ``strength``, which scales β (gatys) or blends AdaIN features (adain).
    Input fields: ``style_blend``, ``style_scale``, ``preserve_color``.
    Optimisation fields: ``optimizer``, ``steps``, ``lr``, ``init``, ``noise``, ``seed``.
    """

    method: str = "gatys"
    size: int = 512
    style_size: int | None = None
    #: How much style, for either method. gatys: the style weight used is β·strength (0..10), so
    #: 2 doubles the style term whatever the size; adain: 1 = the style's feature statistics,
    #: 0 = the photo's own features (0..1).
    strength: float = 1.0
    #: Several style images: the weight of each one's Gram targets (normalised to sum 1);
    #: None = equal weights. ``"0.7,0.3"`` and lists are accepted.
    style_blend: tuple[float, ...] | None = None
    #: Style image's long side relative to ``style_size`` (or ``size``): 2 = bigger brush marks,
    #: 0.5 = finer ones.
    style_scale: float = 1.0
    #: None, ``"luminance"`` or ``"histogram"`` (see PRESERVE_COLORS).
    preserve_color: str | None = None
    # -- objective: J = α·J_content + β·J_style (+ tv_weight·TV)
    content_layer: str = "relu4_2"
    style_layers: LayerWeights = STYLE_LAYER_PRESETS["balanced"]
    alpha: float = 1.0
    beta: float = 5.0
    tv_weight: float = 0.0
    #: Face protection when the photo has a face (see guidance.py); a photo without one is stylised
    #: plainly. On by default since the face benchmark at 512 px on all ten bundled photos × five
    #: styles (BENCHMARKS.md, fourth session) kept faces better than plain Gatys at the same steps.
    face_aware: bool = True
    #: 0 = style everywhere alike; 1 = strongest protection of eyes, brows, lips and face outline.
    face_protect: float = 1.0
    #: How face-aware runs match style (see REGION_STYLES): ``off`` = one Gram over the whole image
    #: as in plain Gatys, so only protection acts (measured best above); ``shared`` = each region
    #: (face, person, background) matches the whole painting; ``matched`` = when the painting is a
    #: portrait, eyes take the painted eyes' statistics, skin the painted skin's, and so on.
    region_style: str = "off"
    # -- optimisation
    optimizer: str = "lbfgs"
    #: 200 (114/57/29 over three scales): the full 512 px demo run takes a median 89.8 s on the 2-core
    #: CPU and ends at J 0.760; the old 300-step default with ``upscale="image"`` needed 105-128 s to get
    #: that low in the same benchmark (BENCHMARKS.md).
    steps: int = 200
    lr: float | None = None
    init: str = "content"
    noise: float = 0.25
    seed: int = 0
    #: Coarse-to-fine: number of sizes solved, smallest long side (see schedule.py).
    scales: int = 3
    min_size: int = 128
    #: How a coarse result starts the next scale (see UPSCALES): ``residual`` upsamples only what the
    #: optimisation changed and adds it to the sharp photo of the finer scale; ``image`` upsamples G.
    upscale: str = "residual"
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
    #: See PRECISIONS. bf16 on the 2-core CPU: the demo pair at 512 px took 59.5 s against 103.6 s in
    #: float32, J 0.762 against 0.735 measured in float32 (BENCHMARKS.md, "bf16 on the CPU").
    precision: str = "auto"
    weights: str | None = None
    decoder_weights: str | None = None
    # -- names of the presets these settings came from, for the record only
    objective: str = "facestyle"
    recipe: str | None = None

    def __post_init__(self) -> None:
        _check_choice("method", self.method, METHODS)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_choice("init", self.init, INITS)
        _check_choice("upscale", self.upscale, UPSCALES)
        _check_choice("region_style", self.region_style, REGION_STYLES)
        _check_choice("device", self.device.split(":")[0], DEVICES)
        _check_choice("precision", self.precision, PRECISIONS)
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
        if self.method == "adain" and self.strength > 1:
            raise OptionError(
                f"strength must be between 0 and 1 for method adain (it blends the photo's and the style's "
                f"features), not {self.strength:g}"
            )
        if self.strength > MAX_STRENGTH:
            raise OptionError(f"strength must be between 0 and {MAX_STRENGTH:g}, not {self.strength:g}")
        object.__setattr__(self, "style_blend", parse_style_blend(self.style_blend))
        _check_number("style_scale", self.style_scale)
        low, high = STYLE_SCALE_RANGE
        if not low <= self.style_scale <= high:
            raise OptionError(f"style_scale must be between {low:g} and {high:g}, not {self.style_scale:g}")
        if self.preserve_color is not None:
            _check_choice("preserve_color", self.preserve_color, PRESERVE_COLORS)
        for name in ("alpha", "beta", "tv_weight", "noise"):
            _check_number(name, getattr(self, name))
        if self.lr is not None:
            _check_number("lr", self.lr)
            if self.lr == 0:
                raise OptionError("lr must be greater than 0")
        if self.alpha == 0 and self.style_weight == 0:
            raise OptionError(
                "alpha and beta·strength are both 0, so there is nothing to optimise; raise one of them"
            )
        object.__setattr__(self, "content_layer", canonical_layer(self.content_layer))
        object.__setattr__(self, "style_layers", parse_style_layers(self.style_layers))

    @property
    def style_weight(self) -> float:
        """The β actually used in J: ``beta·strength`` for gatys (``strength`` is AdaIN's blend there)."""
        return self.beta * self.strength if self.method == "gatys" else self.beta

    @property
    def adain_strength(self) -> float:
        """The AdaIN feature blend: ``strength`` for method adain, full style for gatys' warm start."""
        return self.strength if self.method == "adain" else 1.0

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
        if self.style_blend is not None:
            data["style_blend"] = list(self.style_blend)
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

#: How facestyle optimises an objective when the caller does not say. Measured with
#: ``benchmarks/speed.py`` (BENCHMARKS.md, tenth session): on ``report`` (relu5_4 content, α=10,
#: β=40) the generic default (photo start, 3 scales, 200 steps) stops far above the level the
#: report's 1,001 Adam steps reach on every pair, while L-BFGS from the AdaIN result at one scale
#: reaches it 9.9-30× sooner. The face-aware ``facestyle`` objective keeps the generic default: it
#: starts from the photo to keep the face, and its 200 steps are converged at 512 px.
OBJECTIVE_OPTIMISATION: dict[str, dict[str, Any]] = {
    "facestyle": {},
    "report": {"init": "adain", "scales": 1, "steps": 1000},
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
        # The report's arithmetic (float32), so the baseline is the same on every CPU.
        "precision": "fp32",
    },
}


def make_settings(
    *, recipe: str | None = None, objective: str | None = None, base: Settings | None = None, **overrides: Any
) -> Settings:
    """Build settings: defaults (or ``base``) ← objective preset ← recipe ← explicit ``overrides``.

    The objective preset brings its default optimisation (:data:`OBJECTIVE_OPTIMISATION`) too; a
    recipe's own optimisation replaces it.

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
        values = {**OBJECTIVES[objective], **OBJECTIVE_OPTIMISATION[objective], **values, "objective": objective}
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


def parse_style_blend(spec: str | Sequence[float] | None) -> tuple[float, ...] | None:
    """Turn ``"0.7,0.3"`` or a sequence of numbers into blend weights (as given, not normalised).

    Raises:
        OptionError: a bad number, a negative weight, or weights that add up to zero.
    """
    if spec is None:
        return None
    if isinstance(spec, str):
        items = [item.strip() for item in spec.split(",")]
        try:
            values = [float(item) for item in items]
        except ValueError:
            raise OptionError(f"style blend '{spec}' is not a list of numbers like 0.7,0.3") from None
    else:
        try:
            values = [float(value) for value in spec]
        except (TypeError, ValueError):
            raise OptionError(f"style blend {spec!r} is not a list of numbers like 0.7,0.3") from None
    if not values:
        raise OptionError("style blend is empty; give one weight per style image, like 0.7,0.3")
    for value in values:
        if value != value or value in (float("inf"), float("-inf")):
            raise OptionError(f"style blend weight {value} is not a finite number")
        if value < 0:
            raise OptionError(f"style blend weight {value:g} is negative; weights must be 0 or more")
    if sum(values) == 0:
        raise OptionError("style blend weights add up to zero; give at least one style a positive weight")
    return tuple(values)


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

