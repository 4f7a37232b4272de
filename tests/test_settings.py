"""Presets, recipes and validation of every option."""

import pytest

from facestyle.errors import OptionError
from facestyle.settings import (
    STYLE_LAYER_PRESETS,
    Settings,
    make_settings,
    parse_style_layers,
)


def test_presets_are_the_reports_table():
    assert dict(STYLE_LAYER_PRESETS["deep"]) == {
        "relu1_1": 0.0, "relu2_1": 0.0, "relu3_1": 0.1, "relu4_1": 0.4, "relu5_1": 0.5}
    assert dict(STYLE_LAYER_PRESETS["balanced"]) == dict.fromkeys(
        ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"], 0.2)
    assert dict(STYLE_LAYER_PRESETS["shallow"]) == {
        "relu1_1": 0.5, "relu2_1": 0.4, "relu3_1": 0.1, "relu4_1": 0.0, "relu5_1": 0.0}


def test_custom_weights_accept_the_reports_keras_names():
    assert parse_style_layers("block1_conv1=0.5,block2_conv1=0.4, block3_conv1=0.1") == (
        ("relu1_1", 0.5), ("relu2_1", 0.4), ("relu3_1", 0.1))


@pytest.mark.parametrize(
    "spec, message",
    [
        ("relu1_1=-1", "weights must be 0 or more"),
        ("relu1_1=0,relu2_1=0", "add up to zero"),
        ("relu9_1=1", "unknown VGG-19 layer"),
        ("relu1_1=x", "not LAYER=NUMBER"),
        ("relu1_1=1,conv1_1=1", "given twice"),
        ("balancd", "did you mean 'balanced'"),
    ],
)
def test_bad_style_layer_specs_say_what_is_wrong(spec, message):
    with pytest.raises(OptionError, match=message):
        parse_style_layers(spec)


def test_report_recipe_has_the_reports_values():
    settings = make_settings(recipe="report")
    assert (settings.optimizer, settings.lr, settings.steps, settings.init) == ("adam", 0.03, 1001, "content+noise")
    assert (settings.alpha, settings.beta, settings.content_layer) == (10.0, 40.0, "relu5_4")
    assert settings.style_layers == STYLE_LAYER_PRESETS["balanced"]
    assert settings.precision == "fp32"  # the report's arithmetic, whatever the CPU


def test_explicit_options_override_the_recipe():
    settings = make_settings(recipe="report", steps=50, beta=80, precision="bf16")
    assert (settings.steps, settings.beta, settings.optimizer, settings.precision) == (50, 80, "adam", "bf16")


def test_report_objective_brings_its_own_default_optimisation():
    # L-BFGS (facestyle's optimiser) from the AdaIN result at one scale: on this objective the
    # generic default stops far above the report's level (BENCHMARKS.md#report-objective-speed).
    settings = make_settings(objective="report")
    assert (settings.alpha, settings.beta, settings.content_layer) == (10.0, 40.0, "relu5_4")
    assert settings.optimizer == Settings().optimizer == "lbfgs"
    assert (settings.init, settings.scales, settings.steps) == ("adain", 1, 1000)


def test_explicit_options_and_recipes_override_an_objectives_optimisation():
    settings = make_settings(objective="report", init="content", steps=40)
    assert (settings.init, settings.steps, settings.scales) == ("content", 40, 1)
    recipe = make_settings(recipe="report")
    assert (recipe.init, recipe.scales, recipe.steps) == ("content+noise", 1, 1001)
    generic = make_settings(objective="facestyle")
    defaults = Settings()
    assert (generic.init, generic.scales, generic.steps) == (defaults.init, defaults.scales, defaults.steps)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"optimizer": "sgd"}, "unknown optimizer 'sgd'"),
        ({"init": "contnet"}, "did you mean 'content'"),
        ({"size": 0}, "size must be between"),
        ({"steps": -1}, "steps must be between"),
        ({"alpha": -1.0}, "alpha must be 0 or more"),
        ({"beta": float("nan")}, "finite"),
        ({"alpha": 0.0, "beta": 0.0}, "nothing to optimise"),
        ({"lr": 0.0}, "greater than 0"),
        ({"device": "tpu"}, "unknown device"),
        ({"precision": "fp16"}, "unknown precision"),
        ({"stpes": 3}, "did you mean 'steps'"),
    ],
)
def test_bad_options_are_refused_with_a_hint(options, message):
    with pytest.raises(OptionError, match=message):
        make_settings(**options)


def test_unknown_recipe_is_refused():
    with pytest.raises(OptionError, match="unknown recipe"):
        make_settings(recipe="fast")


def test_settings_round_trip_through_a_dict():
    settings = make_settings(recipe="report", steps=7)
    assert make_settings(**settings.to_dict()) == settings


def test_new_controls_round_trip_and_stay_hashable():
    settings = make_settings(
        strength=2.5, style_blend="0.7,0.3", style_scale=1.5, preserve_color="luminance", style_layers="deep"
    )
    assert settings.style_blend == (0.7, 0.3) and settings.style_weight == 2.5 * settings.beta
    assert make_settings(**settings.to_dict()) == settings
    assert hash(settings) == hash(make_settings(**settings.to_dict()))
    assert settings.to_dict()["style_blend"] == [0.7, 0.3]


def test_strength_is_style_weight_for_gatys_and_a_blend_for_adain():
    assert make_settings(strength=4).style_weight == 4 * Settings.beta
    adain = make_settings(method="adain", strength=0.3)
    assert adain.adain_strength == 0.3 and adain.style_weight == Settings.beta
    assert make_settings(strength=4).adain_strength == 1.0  # gatys' AdaIN warm start uses the full style


@pytest.mark.parametrize(
    "options, message",
    [
        ({"method": "adain", "strength": 2.0}, "between 0 and 1 for method adain"),
        ({"strength": 11.0}, "strength must be between 0 and 10"),
        ({"strength": -1.0}, "strength must be 0 or more"),
        ({"strength": 0.0, "alpha": 0.0}, "nothing to optimise"),
        ({"style_blend": "0.7,x"}, "not a list of numbers"),
        ({"style_blend": "-0.5,1"}, "negative"),
        ({"style_blend": "0,0"}, "add up to zero"),
        ({"style_blend": ()}, "empty"),
        ({"style_scale": 0.0}, "style_scale must be between"),
        ({"style_scale": 20.0}, "style_scale must be between"),
        ({"preserve_color": "hist"}, "did you mean 'histogram'"),
    ],
)
def test_bad_control_values_are_refused(options, message):
    with pytest.raises(OptionError, match=message):
        make_settings(**options)


def test_every_option_declares_what_it_accepts_and_validation_reads_it():
    from facestyle.settings import OPTION_SPECS

    for spec in OPTION_SPECS.values():
        assert spec.help, f"{spec.name} has no help"
        if spec.choices:
            for choice in spec.choices:
                make_settings(**{spec.name: choice})
            with pytest.raises(OptionError, match=f"unknown {spec.name} 'xyzzy'; choose from"):
                make_settings(**{spec.name: "xyzzy"})
        if spec.kind in (int, float) and spec.high is not None:
            make_settings(**{spec.name: spec.kind(spec.high)})
            with pytest.raises(OptionError, match=f"{spec.name} must be between"):
                make_settings(**{spec.name: spec.kind(spec.high) + 1})


@pytest.mark.parametrize(
    "options, message",
    [
        ({"lr": -1.0}, "lr must be greater than 0"),
        ({"device": "cuda:1"}, None),
        ({"device": "gpu:1"}, "unknown device 'gpu:1'"),
        ({"face_aware": "yes"}, "face_aware must be true or false"),
        ({"seed": 1.5}, "seed must be a whole number"),
        ({"method": "adian"}, "did you mean 'adain'"),
    ],
)
def test_declared_rules_cover_every_kind_of_option(options, message):
    if message is None:
        make_settings(**options)
        return
    with pytest.raises(OptionError, match=message):
        make_settings(**options)
