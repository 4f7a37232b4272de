"""Config files (TOML in and out), settings from embedded metadata, and the checks before a rerun."""

import json
from pathlib import Path

import pytest

from facestyle.config import (
    dumps_toml,
    embedded_config,
    load_config,
    make_run_settings,
    plan_rerun,
    read_embedded,
    record_inputs,
    save_output,
    settings_from_dict,
)
from facestyle.errors import InputImageError, OptionError
from facestyle.image.io import save_image
from facestyle.settings import STYLE_LAYER_PRESETS, Settings, make_settings
from tests.conftest import read_image


def _write(folder: Path, text: str, name: str = "run.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_config_values_become_settings(tmp_path):
    config = load_config(
        _write(
            tmp_path,
            'size = 96\nstrength = 2.5\npreserve-color = "luminance"\nstyle_blend = [0.7, 0.3]\n'
            "[style_layers]\nblock1_conv1 = 0.5\nrelu2_1 = 0.5\n",
        )
    )
    settings = make_run_settings(config=config, recipe=None, objective=None, overrides={})
    assert (settings.size, settings.strength, settings.preserve_color) == (96, 2.5, "luminance")
    assert settings.style_blend == (0.7, 0.3)
    assert settings.style_layers == (("relu1_1", 0.5), ("relu2_1", 0.5))


def test_presets_then_config_then_flags(tmp_path):
    config = load_config(_write(tmp_path, 'recipe = "report"\nsteps = 50\nstyle_layers = "deep"\nbeta = 80\n'))
    settings = make_run_settings(config=config, recipe=None, objective=None, overrides={"beta": 20.0})
    assert settings.recipe == "report" and settings.optimizer == "adam" and settings.lr == 0.03  # from the recipe
    assert settings.steps == 50 and settings.style_layers == STYLE_LAYER_PRESETS["deep"]  # the file beats the recipe
    assert settings.beta == 20.0  # the flag beats the file


def test_run_keys_resolve_paths_against_the_config_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    config = load_config(
        _write(tmp_path / "sub", 'content = "face.png"\nstyle = ["a.jpg", "/abs/b.jpg"]\noutput = "out.png"\nsave_every = 5\n')
    )
    assert config.run["content"] == str(tmp_path / "sub" / "face.png")
    assert config.run["style"] == [str(tmp_path / "sub" / "a.jpg"), "/abs/b.jpg"]
    assert config.run["save_every"] == 5


@pytest.mark.parametrize(
    "text, message",
    [
        ("stpes = 3\n", "unknown key 'stpes' in config file .*did you mean 'steps'"),
        ("size = \n", "is not valid TOML"),
        ("content = 3\n", "content in config file .* must be a path in quotes"),
        ('save_every = "2"\n', "save_every .* must be a whole number"),
    ],
)
def test_bad_config_files_say_what_is_wrong(tmp_path, text, message):
    with pytest.raises(OptionError, match=message):
        load_config(_write(tmp_path, text))


def test_bad_values_in_a_config_are_caught_as_settings(tmp_path):
    config = load_config(_write(tmp_path, 'size = "big"\n'))
    with pytest.raises(OptionError, match="size must be a whole number"):
        make_run_settings(config=config, recipe=None, objective=None, overrides={})


def test_missing_config_file(tmp_path):
    with pytest.raises(OptionError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    "settings",
    [
        Settings(),
        make_settings(recipe="report", steps=12, seed=3),
        make_settings(
            objective="report", strength=0.5, style_blend=(2, 1), style_scale=1.25, preserve_color="histogram",
            style_layers="relu1_1=0.3,relu3_1=0.7", lr=0.5, style_size=200, tv_weight=1e-6,
        ),
        make_settings(method="adain", strength=0.25, device="cpu", weights="/some/vgg.pth"),
    ],
)
def test_toml_written_from_settings_reads_back_the_same(tmp_path, settings):
    text = dumps_toml(settings, inputs={"content": "face.png", "style": ["a.jpg", "b.jpg"]})
    config = load_config(_write(tmp_path, text))
    assert make_run_settings(config=config, recipe=None, objective=None, overrides={}) == settings
    assert config.run["style"] == [str(tmp_path / "a.jpg"), str(tmp_path / "b.jpg")]


def test_settings_from_embedded_dict():
    settings = make_settings(recipe="report", strength=3, style_blend=(1, 0))
    data = json.loads(json.dumps(settings.to_dict()))
    assert settings_from_dict(data) == settings
    with pytest.raises(OptionError, match="unknown option 'stregth' in the settings; did you mean 'strength'"):
        settings_from_dict({**data, "stregth": 1})


def test_settings_written_before_a_field_existed_keep_their_behaviour():
    # Outputs made before --upscale existed upsampled the image; rerunning them must do the same.
    data = make_settings().to_dict()
    del data["upscale"]
    assert settings_from_dict(data).upscale == "image"
    assert settings_from_dict(make_settings().to_dict()).upscale == make_settings().upscale == "residual"
    # Face-aware outputs made before --region-style existed matched regions of portrait paintings.
    data = make_settings(face_aware=True).to_dict()
    del data["region_style"]
    assert settings_from_dict(data).region_style == "matched"
    assert settings_from_dict(make_settings().to_dict()).region_style == "off"


def _made(tmp_path, face_path, style_path, metadata_inputs=True):
    content = tmp_path / "face.png"
    content.write_bytes(face_path.read_bytes())
    style = tmp_path / "style.png"
    style.write_bytes(style_path.read_bytes())
    output = tmp_path / "out" / "portrait.png"
    output.parent.mkdir()
    metadata = {"facestyle": "0.1.0", "settings": make_settings(size=32, steps=2).to_dict()}
    if metadata_inputs:
        metadata["inputs"] = record_inputs(content, [style], output)
    save_image(read_image(face_path), output, metadata=metadata)
    return content, style, output


def test_inputs_are_recorded_relative_to_the_output(tmp_path, face_path, style_path):
    content, style, output = _made(tmp_path, face_path, style_path)
    plan = plan_rerun(output)
    assert plan.content.resolve() == content.resolve() and [p.resolve() for p in plan.styles] == [style.resolve()]
    assert plan.settings == make_settings(size=32, steps=2)
    # The whole folder can move: paths are relative to the output.
    moved = tmp_path.parent / (tmp_path.name + "-moved")
    tmp_path.rename(moved)
    assert plan_rerun(moved / "out" / "portrait.png").content.resolve() == (moved / "face.png").resolve()


def test_rerun_refuses_changed_or_missing_inputs(tmp_path, face_path, style_path):
    content, style, output = _made(tmp_path, face_path, style_path)
    style.write_bytes(face_path.read_bytes())
    with pytest.raises(InputImageError, match="style image .* has changed since .* sha256 differs"):
        plan_rerun(output)
    content.unlink()
    with pytest.raises(InputImageError, match="content image .* is missing"):
        plan_rerun(output)


def test_rerun_refuses_images_without_a_record(tmp_path, face_path, style_path):
    _, _, output = _made(tmp_path, face_path, style_path, metadata_inputs=False)
    with pytest.raises(InputImageError, match="records no input files"):
        plan_rerun(output)
    with pytest.raises(InputImageError, match="carries no facestyle settings"):
        plan_rerun(face_path)


def test_save_output_embeds_version_settings_and_inputs(tmp_path, face_path, style_path):
    from facestyle import __version__

    content, style, _ = _made(tmp_path, face_path, style_path)
    settings = make_settings(size=32, steps=2, strength=3)
    output = save_output(read_image(face_path), settings, tmp_path / "saved.png", content=content, styles=[style])
    embedded = read_embedded(output)
    assert (embedded.settings, embedded.version) == (settings, __version__)
    assert embedded.inputs == record_inputs(content, [style], output)
    assert plan_rerun(output).settings == settings


def test_shown_config_runs_the_same_settings_from_any_folder(tmp_path, face_path, style_path):
    content, style, output = _made(tmp_path, face_path, style_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    config = load_config(_write(elsewhere, embedded_config(output)))
    assert make_run_settings(config=config, recipe=None, objective=None, overrides={}) == read_embedded(output).settings
    assert Path(config.run["content"]).resolve() == content.resolve()
    assert [Path(path).resolve() for path in config.run["style"]] == [style.resolve()]


def test_an_output_of_an_older_version_still_shows_and_reruns(tmp_path, face_path, style_path):
    content, style, _ = _made(tmp_path, face_path, style_path)
    settings = make_settings(size=32, steps=2).to_dict()
    del settings["upscale"], settings["region_style"]
    output = tmp_path / "old.png"
    save_image(
        read_image(face_path), output,
        metadata={"facestyle": "0.0.9", "settings": settings, "inputs": record_inputs(content, [style], output)},
    )
    assert 'upscale = "image"' in embedded_config(output) and 'region_style = "matched"' in embedded_config(output)
    plan = plan_rerun(output)
    assert (plan.settings.upscale, plan.settings.region_style, plan.version) == ("image", "matched", "0.0.9")


def test_a_retired_option_at_the_value_the_code_reproduces_is_ignored(tmp_path):
    from facestyle.config import load_config, settings_from_dict
    from facestyle.errors import OptionError

    assert settings_from_dict({"size": 64, "pyramid_levels": 1}).size == 64
    with pytest.raises(OptionError, match="'pyramid_levels' = 4 .* no longer supported"):
        settings_from_dict({"pyramid_levels": 4})
    config = tmp_path / "old.toml"
    config.write_text("size = 64\npyramid_levels = 1\n")
    assert load_config(config).settings == {"size": 64}
    config.write_text("pyramid_levels = 3\n")
    with pytest.raises(OptionError, match="no longer supported"):
        load_config(config)
