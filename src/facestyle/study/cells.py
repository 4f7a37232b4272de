"""What a study varies: parsing the study lists and making the cells over a base setting.

A study is a list of :class:`Cell`\\ s, settings that vary one thing over a base (a recipe or
facestyle's defaults). The report ran two: style-layer weights λ (deep-heavy, balanced,
shallow-heavy at α = 10, β = 40) and the content:style ratio α:β (40:10 against 10:40 with every
λ = 0.2) (docs/method.md#the-reports-experiments). The number formats live here too, so a cell's
label, the tables and the contact sheet write a value the same way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any, Sequence

from facestyle.errors import OptionError
from facestyle.settings import (
    STYLE_LAYER_PRESETS,
    LayerWeights,
    Settings,
    parse_style_layers,
)

STUDIES = ("layers", "ratios", "strengths")
#: The report's two studies, run when no study is named.
DEFAULT_LAYERS = "deep,balanced,shallow"
DEFAULT_RATIOS = "40:10,10:40"
#: The report's names for the layer presets.
PRESET_LABELS = {"deep": "deep-heavy", "balanced": "balanced", "shallow": "shallow-heavy"}
STUDY_TITLES = {
    "layers": "style-layer weights λ",
    "ratios": "content:style ratio α:β (every λ = 0.2)",
    "strengths": "strength (β·strength)",
}


@dataclass(frozen=True)
class Cell:
    """One setting of a study: ``key`` names its files, ``label`` and ``detail`` go on the sheet."""

    key: str
    study: str
    label: str
    detail: str
    settings: Settings


def parse_layer_list(text: str) -> list[tuple[str, LayerWeights]]:
    """``"deep,balanced,shallow"`` → presets; with ``=`` in it, ``;`` separates custom specs.

    Raises:
        OptionError: an unknown preset or layer (with a hint), a bad weight, a repeated entry.
    """
    items = [item.strip() for item in (text.split(";") if "=" in text else text.split(","))]
    if not any(items):
        raise OptionError("no style-layer settings given; use e.g. --layers deep,balanced,shallow")
    result: list[tuple[str, LayerWeights]] = []
    for item in items:
        if not item:
            raise OptionError(f"--layers '{text}' has an empty entry; separate presets with commas")
        weights = parse_style_layers(item)
        name = item if item in STYLE_LAYER_PRESETS else layers_text(weights)
        if any(weights == seen for _, seen in result):
            raise OptionError(f"style layers '{item}' are given twice in --layers")
        result.append((name, weights))
    return result


def parse_ratios(text: str) -> list[tuple[float, float]]:
    """``"40:10,10:40"`` → [(α, β), …].

    Raises:
        OptionError: an entry that is not two numbers, a negative or non-finite weight, α = β = 0,
            or a repeated ratio.
    """
    result: list[tuple[float, float]] = []
    for item in [item.strip() for item in text.split(",")]:
        parts = item.split(":")
        try:
            if len(parts) != 2:
                raise ValueError
            alpha, beta = float(parts[0]), float(parts[1])
        except ValueError:
            raise OptionError(f"ratio '{item}' is not ALPHA:BETA with two numbers, like 40:10") from None
        if not all(math.isfinite(value) for value in (alpha, beta)):
            raise OptionError(f"ratio '{item}' must be two finite numbers, like 40:10")
        if alpha < 0 or beta < 0:
            raise OptionError(f"ratio '{item}' has a negative weight; α and β must be 0 or more")
        if alpha == 0 and beta == 0:
            raise OptionError(f"ratio '{item}' makes α and β both 0, so there is nothing to optimise")
        if (alpha, beta) in result:
            raise OptionError(f"ratio '{item}' is given twice in --ratios")
        result.append((alpha, beta))
    return result


def parse_strengths(text: str) -> list[float]:
    """``"0.5,1,2"`` → [0.5, 1.0, 2.0] (each checked again when its settings are made).

    Raises:
        OptionError: an entry that is not a number, or a repeated value.
    """
    result: list[float] = []
    for item in [item.strip() for item in text.split(",")]:
        try:
            value = float(item)
        except ValueError:
            raise OptionError(f"strength '{item}' is not a number; give a list like 0.5,1,2") from None
        if value in result:
            raise OptionError(f"strength '{item}' is given twice in --strengths")
        result.append(value)
    return result


def make_cells(
    base: Settings,
    *,
    layers: Sequence[tuple[str, LayerWeights]] = (),
    ratios: Sequence[tuple[float, float]] = (),
    strengths: Sequence[float] = (),
) -> list[Cell]:
    """The cells of the studies asked for, over ``base``; layer cells first, as in the report.

    Layer cells keep the base's α and β; ratio cells use balanced λ, as the report did.

    Raises:
        OptionError: no study asked for, a study that cannot vary anything under ``base``'s method,
            or an invalid value for a cell (e.g. strength 20).
    """
    if not (layers or ratios or strengths):
        raise OptionError("no study given; use --layers, --ratios and/or --strengths")
    if base.method != "gatys" and (layers or ratios):
        raise OptionError(f"method {base.method} ignores style layers and α:β; use method gatys for --layers and --ratios")
    cells = [_layers_cell(base, name, weights) for name, weights in layers]
    cells += [_ratio_cell(base, alpha, beta) for alpha, beta in ratios]
    cells += [_strength_cell(base, strength) for strength in strengths]
    return _mark_repeats(cells)


def _layers_cell(base: Settings, name: str, weights: LayerWeights) -> Cell:
    return Cell(
        key=f"layers-{_slug(name)}",
        study="layers",
        label=PRESET_LABELS.get(name, "custom λ"),
        detail=f"λ {layers_text(weights)}",
        settings=base.replace(style_layers=weights),
    )


def _ratio_cell(base: Settings, alpha: float, beta: float) -> Cell:
    return Cell(
        key=f"ratio-{number_text(alpha)}-{number_text(beta)}",
        study="ratios",
        label=f"α:β = {number_text(alpha)}:{number_text(beta)}",
        detail="λ all 0.2",
        settings=base.replace(alpha=alpha, beta=beta, style_layers=STYLE_LAYER_PRESETS["balanced"]),
    )


def _strength_cell(base: Settings, strength: float) -> Cell:
    try:
        settings = base.replace(strength=strength)
    except OptionError as error:
        raise OptionError(f"--strengths: {error}") from None
    return Cell(
        key=f"strength-{number_text(strength)}",
        study="strengths",
        label=f"strength {number_text(strength)}",
        detail=f"β·strength = {number_text(settings.style_weight)}" if base.method == "gatys" else f"{base.method} blend",
        settings=settings,
    )


def _mark_repeats(cells: list[Cell]) -> list[Cell]:
    """Say on a cell's label when an earlier cell has the same settings (the report's two studies
    share one: balanced λ at α = 10, β = 40 is also α:β = 10:40); the runner runs it once."""
    first: dict[str, Cell] = {}
    marked = []
    for cell in cells:
        key = settings_key(cell.settings)
        if key in first:
            cell = dataclasses.replace(cell, detail=f"{cell.detail}, = {first[key].label}")
        else:
            first[key] = cell
        marked.append(cell)
    return marked


def settings_record(settings: Settings) -> Any:
    """The settings as plain JSON values, which compare equal to the same settings read back from
    a cell's record."""
    return json.loads(json.dumps(settings.to_dict(), sort_keys=True))


def settings_key(settings: Settings) -> str:
    """One string per distinct setting, for finding cells that would compute the same image."""
    return json.dumps(settings_record(settings), sort_keys=True)


def number_text(value: float) -> str:
    """A weight or ratio as written in keys, labels and tables: ``40``, ``0.2``, ``1e+03``."""
    return f"{value:g}"


def cost_text(value: float | None) -> str:
    """A final cost for tables and the sheet, four significant digits; a dash when not measured."""
    return "–" if value is None else f"{value:.4g}"


def layers_text(weights: LayerWeights) -> str:
    """λ as ``relu1_1..relu5_1`` values when those five are the layers, else ``name=w`` pairs."""
    names = [name for name, _ in weights]
    if names == [f"relu{block}_1" for block in range(1, 6)]:
        return "/".join(number_text(weight) for _, weight in weights)
    return ",".join(f"{name}={number_text(weight)}" for name, weight in weights)


def _slug(name: str) -> str:
    """A preset's own name, else a short hash, since a custom λ spec is no file name."""
    if name in STYLE_LAYER_PRESETS:
        return name
    return hashlib.sha256(name.encode()).hexdigest()[:8]
