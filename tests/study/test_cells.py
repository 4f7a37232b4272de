"""Parsing the study lists and making the cells over a base setting."""

import pytest

from facestyle.errors import OptionError
from facestyle.settings import STYLE_LAYER_PRESETS, make_settings
from facestyle.study.cells import (
    cost_text,
    layers_text,
    make_cells,
    parse_layer_list,
    parse_ratios,
    parse_strengths,
)


def test_ratios_parse():
    assert parse_ratios("40:10, 10:40") == [(40.0, 10.0), (10.0, 40.0)]
    assert parse_ratios("0:1") == [(0.0, 1.0)]


@pytest.mark.parametrize(
    "text, message",
    [
        ("4:", "ratio '4:' is not ALPHA:BETA with two numbers, like 40:10"),
        (":4", "is not ALPHA:BETA"),
        ("40-10", "is not ALPHA:BETA"),
        ("1:2:3", "is not ALPHA:BETA"),
        ("40:10,", "ratio '' is not ALPHA:BETA"),
        ("-1:4", "negative weight"),
        ("0:0", "nothing to optimise"),
        ("inf:1", "finite"),
        ("1:2,1:2", "given twice"),
    ],
)
def test_bad_ratios(text, message):
    with pytest.raises(OptionError, match=message):
        parse_ratios(text)


def test_layer_lists():
    assert [name for name, _ in parse_layer_list("deep,balanced,shallow")] == ["deep", "balanced", "shallow"]
    custom = parse_layer_list("relu1_1=1,block2_conv1=1;deep")
    assert custom[0][1] == (("relu1_1", 1.0), ("relu2_1", 1.0)) and custom[1][1] == STYLE_LAYER_PRESETS["deep"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("dep", "did you mean 'deep'"),
        ("deep,,shallow", "empty entry"),
        ("relu1_1=-1", "weights must be 0 or more"),
        ("relu1_1=0,relu2_1=0", "add up to zero"),
        ("relu9_1=1", "unknown VGG-19 layer 'relu9_1'"),
        ("deep,deep", "given twice"),
    ],
)
def test_bad_layer_lists(text, message):
    with pytest.raises(OptionError, match=message):
        parse_layer_list(text)


def test_strength_lists():
    assert parse_strengths("0.5,1,2") == [0.5, 1.0, 2.0]
    with pytest.raises(OptionError, match="not a number"):
        parse_strengths("1,x")
    with pytest.raises(OptionError, match="--strengths: strength must be between 0 and 10"):
        make_cells(make_settings(), strengths=[20.0])


def test_cells_follow_the_report():
    base = make_settings(objective="report")
    cells = make_cells(base, layers=parse_layer_list("deep,shallow"), ratios=parse_ratios("40:10,10:40"))
    assert [c.key for c in cells] == ["layers-deep", "layers-shallow", "ratio-40-10", "ratio-10-40"]
    assert [c.label for c in cells[:2]] == ["deep-heavy", "shallow-heavy"]
    # Layer cells keep the base's α = 10, β = 40; ratio cells use balanced λ.
    assert (cells[0].settings.alpha, cells[0].settings.beta) == (10.0, 40.0)
    assert cells[0].settings.style_layers == STYLE_LAYER_PRESETS["deep"]
    assert (cells[2].settings.alpha, cells[2].settings.beta) == (40.0, 10.0)
    assert cells[3].settings.style_layers == STYLE_LAYER_PRESETS["balanced"]
    assert cells[3].settings.content_layer == "relu5_4"


def test_cells_refuse_what_cannot_vary():
    with pytest.raises(OptionError, match="no study given"):
        make_cells(make_settings())
    with pytest.raises(OptionError, match="method adain ignores style layers"):
        make_cells(make_settings(method="adain"), layers=parse_layer_list("deep"))


def test_custom_layer_and_strength_cells_are_labelled_by_what_they_vary():
    (custom,) = make_cells(make_settings(objective="report"), layers=parse_layer_list("relu1_1=1,relu3_1=2"))
    assert custom.label == "custom λ" and custom.detail == "λ relu1_1=1,relu3_1=2"
    assert custom.key.startswith("layers-") and len(custom.key) == len("layers-") + 8  # a hash, not the spec
    half, double = make_cells(make_settings(objective="report"), strengths=parse_strengths("0.5,2"))
    assert (half.key, half.label, half.detail) == ("strength-0.5", "strength 0.5", "β·strength = 20")
    assert double.detail == "β·strength = 80"
    (adain,) = make_cells(make_settings(method="adain"), strengths=[0.5])
    assert adain.detail == "adain blend"


def test_repeated_settings_are_marked_on_the_later_cell():
    cells = make_cells(
        make_settings(objective="report"), layers=parse_layer_list("balanced"), ratios=parse_ratios("40:10,10:40")
    )
    assert [cell.detail for cell in cells] == ["λ 0.2/0.2/0.2/0.2/0.2", "λ all 0.2", "λ all 0.2, = balanced"]


def test_number_formats():
    assert layers_text(STYLE_LAYER_PRESETS["deep"]) == "0/0/0.1/0.4/0.5"
    assert layers_text((("relu1_1", 1.0), ("relu2_1", 0.5))) == "relu1_1=1,relu2_1=0.5"
    assert cost_text(None) == "–" and cost_text(1234.5678) == "1235"
