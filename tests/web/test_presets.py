"""Quality presets, and extra controls whose choices and ranges are the Settings fields' declared specs."""

from __future__ import annotations

import dataclasses

import pytest

from facestyle.errors import OptionError
from facestyle.settings import OPTION_SPECS, Settings
from facestyle.web import presets
from facestyle.web.config import StudioConfig


@pytest.fixture
def config(tmp_path):
    return StudioConfig(data_dir=tmp_path)


def test_fast_is_the_one_pass_microast_mode():
    assert presets.quality_options("fast") == {"method": "fast", "size": 512}


def test_best_is_the_engines_own_defaults_and_unknown_qualities_get_a_hint():
    assert presets.quality_options("best") == {"method": "gatys", "size": Settings.size, "steps": Settings.steps}
    with pytest.raises(OptionError, match="unknown quality 'bset'; did you mean 'best'"):
        presets.quality_options("bset")


def test_explicit_fields_override_the_preset_and_empty_ones_keep_it(config):
    quality, options = presets.parse_options({"quality": "balanced", "steps": "7", "size": "", "seed": "3"}, config)
    assert quality == "balanced"
    assert options == {"method": "gatys", "size": 384, "steps": 7, "seed": 3}
    assert presets.parse_options({}, config)[0] == presets.DEFAULT_QUALITY


def test_options_that_are_not_offered_are_refused_with_the_accepted_list(config):
    with pytest.raises(OptionError, match="unknown option 'step'; did you mean 'steps'"):
        presets.parse_options({"step": "5"}, config)
    with pytest.raises(OptionError, match="unknown option 'weights'"):
        presets.parse_options({"weights": "/etc/passwd"}, config)


def test_extra_controls_are_exactly_the_listed_fields_that_exist():
    fields = {field.name for field in dataclasses.fields(Settings)}
    expected = [name for name in presets.EXTRA_CONTROLS if name in fields]
    assert [control.name for control in presets.extra_controls()] == expected
    assert presets.settable_options() == presets.BASIC_OPTIONS + tuple(expected) + ("medium",)


def test_the_real_controls_are_offered():
    controls = {control.name: control for control in presets.extra_controls()}
    assert list(controls) == ["strength", "face_aware", "face_protect", "preserve_color"]
    assert controls["face_aware"].kind == "checkbox" and controls["face_aware"].default is True
    assert controls["face_protect"].kind == "range"
    assert (controls["face_protect"].minimum, controls["face_protect"].maximum) == (0.0, 1.0)
    assert controls["preserve_color"].kind == "select"
    assert controls["preserve_color"].choices == ("off", "luminance", "histogram")
    assert controls["preserve_color"].default == "off"
    described = presets.describe()
    assert [c["name"] for c in described["controls"]] == [*controls, "medium"]  # the drawing choice last
    assert "face_protect" in described["options"]


def test_off_means_no_colour_preservation(config):
    _, options = presets.parse_options({"preserve_color": "off", "quality": "fast"}, config)
    assert options.get("preserve_color") is None
    _, options = presets.parse_options({"preserve_color": "luminance", "quality": "fast"}, config)
    assert options["preserve_color"] == "luminance"
    _, options = presets.parse_options({"quality": "fast", "face_protect": "0.8"}, config)
    assert options["face_protect"] == 0.8
    with pytest.raises(OptionError, match="unknown preserve_color 'maybe'"):
        presets.parse_options({"preserve_color": "maybe"}, config)
    with pytest.raises(OptionError, match="face_protect must be a number"):
        presets.parse_options({"face_protect": "lots"}, config)


def test_the_studio_caps_size_and_steps(tmp_path):
    small = StudioConfig(data_dir=tmp_path, max_size=256, max_steps=50, print_size=0)
    assert presets.parse_options({"quality": "best"}, small)[1] == {"method": "gatys", "size": 256, "steps": 50}
    with pytest.raises(OptionError, match="size must be at most 256"):
        presets.parse_options({"size": "300"}, small)
    with pytest.raises(OptionError, match="steps must be at most 50"):
        presets.parse_options({"quality": "fast", "steps": "51"}, small)
    with pytest.raises(OptionError, match="size must be between 16 and 8192"):
        presets.parse_options({"size": "8"}, small)


def test_the_print_size_may_be_asked_for_but_presets_stay_within_max_size(tmp_path):
    studio = StudioConfig(data_dir=tmp_path, max_size=256, max_steps=50, print_size=512)
    assert presets.parse_options({"quality": "best"}, studio)[1]["size"] == 256
    assert presets.parse_options({"size": "512"}, studio)[1]["size"] == 512
    with pytest.raises(OptionError, match="size must be at most 512"):
        presets.parse_options({"size": "513"}, studio)
    with pytest.raises(OptionError, match="print_size must be 0"):
        StudioConfig(data_dir=tmp_path, print_size=-1)


def test_controls_take_their_choices_and_ranges_from_the_declared_specs():
    controls = {control.name: control for control in presets.extra_controls()}
    assert controls["preserve_color"].choices == ("off", *OPTION_SPECS["preserve_color"].choices)
    face = OPTION_SPECS["face_protect"]
    assert (controls["face_protect"].minimum, controls["face_protect"].maximum) == (face.low, face.high)
    # Strength applies to both methods, so its slider stops at the top valid for AdaIN too.
    strength = controls["strength"]
    assert (strength.minimum, strength.maximum, strength.step) == (0.0, 1.0, 0.05)
    assert OPTION_SPECS["strength"].high_for(["gatys"]) == 10.0
    assert presets.describe()["methods"] == list(OPTION_SPECS["method"].choices) == ["gatys", "fast", "adain"]
