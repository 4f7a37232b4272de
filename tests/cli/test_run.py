"""facestyle run: a good run, controls and config files, and one-line errors with exit code 2 and no output."""

import io
import json
import os

import numpy as np
import pytest
from PIL import Image

from facestyle.image.io import read_metadata
from tests.cli.conftest import copy_inputs, run_cli
from tests.conftest import read_image


def test_run_writes_image_log_plot_and_intermediates(tmp_path, face_path, style_path, capsys):
    out = tmp_path / "portrait.png"
    code, _, err = run_cli(
        [
            "run", str(face_path), str(style_path), "-o", str(out), "--size", "40", "--steps", "4",
            "--save-every", "2", "--log", str(tmp_path / "costs.csv"), "--plot", str(tmp_path / "costs.png"),
            "--style-layers", "block1_conv1=0.5,block2_conv1=0.5", "--content-layer", "block4_conv2",
        ],
        capsys,
    )
    assert code == 0, err
    assert read_image(out).size == (30, 40)
    settings = read_metadata(out)["settings"]
    assert settings["steps"] == 4 and settings["style_layers"] == {"relu1_1": 0.5, "relu2_1": 0.5}
    assert (tmp_path / "portrait.step0002.png").exists() and (tmp_path / "portrait.step0004.png").exists()
    rows = (tmp_path / "costs.csv").read_text().splitlines()
    assert rows[0].startswith("step,seconds,") and len(rows) == 5
    assert read_image(tmp_path / "costs.png").format == "PNG"
    assert "J=" in err


def test_save_masks_draws_the_face_regions_over_the_painted_photo(tmp_path, face_path, style_path, capsys):
    out, masks = tmp_path / "portrait.png", tmp_path / "masks.png"
    code, _, err = run_cli(
        ["run", str(face_path), str(style_path), "-o", str(out), "--method", "fast", "--size", "64",
         "--save-masks", str(masks)],
        capsys,
    )
    assert code == 0, err
    overlay, painted = read_image(masks).convert("RGB"), read_image(out)
    # The photo the run painted, at the run's size, with the legend strip under it.
    assert overlay.width == painted.width and overlay.height > painted.height
    top = np.asarray(overlay.crop((0, 0, *painted.size)), dtype=np.int16)
    photo = np.asarray(read_image(face_path).convert("RGB").resize(painted.size), dtype=np.int16)
    # Region colours tint the photo: close to it in layout, not equal to it.
    assert 5 < np.abs(top - photo).mean() < 100


def test_json_log(tmp_path, face_path, style_path, capsys):
    code, _, err = run_cli(
        ["run", str(face_path), str(style_path), "-o", str(tmp_path / "p.jpg"), "--size", "32", "--steps", "2",
         "--log", str(tmp_path / "costs.json"), "--quiet"],
        capsys,
    )
    assert code == 0, err
    assert [row["step"] for row in json.loads((tmp_path / "costs.json").read_text())] == [1, 2]


def _bad_files(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    (tmp_path / "text.jpg").write_text("not an image")
    (tmp_path / "folder").mkdir()
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 200, 30)).save(buffer, "JPEG")
    (tmp_path / "cut.jpg").write_bytes(buffer.getvalue()[:300])
    Image.new("RGB", (1, 1)).save(tmp_path / "dot.png")
    from tests.image.test_io import _png_header_only

    (tmp_path / "huge.png").write_bytes(_png_header_only(60_000, 60_000))
    return {
        "missing": (tmp_path / "missing.jpg", "does not exist"),
        "directory": (tmp_path / "folder", "is a directory"),
        "empty": (tmp_path / "empty.jpg", "empty"),
        "truncated": (tmp_path / "cut.jpg", "truncated"),
        "text": (tmp_path / "text.jpg", "not an image"),
        "tiny": (tmp_path / "dot.png", "1x1"),
        "huge": (tmp_path / "huge.png", "megapixel"),
    }


@pytest.mark.parametrize("case", ["missing", "directory", "empty", "truncated", "text", "tiny", "huge"])
def test_bad_content_images(case, tmp_path, style_path, capsys):
    path, message = _bad_files(tmp_path)[case]
    out = tmp_path / "out.png"
    code, stdout, err = run_cli(["run", str(path), str(style_path), "-o", str(out), "--size", "32", "--steps", "1"], capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--optimizer", "sgd"], "invalid choice: 'sgd'"),
        (["--style-layers", "relu1_1=-1"], "0 or more"),
        (["--style-layers", "relu9_9=1"], "unknown VGG-19 layer"),
        (["--steps", "ten"], "invalid int value"),
        (["--size", "0"], "size must be between"),
        (["--alpha", "0", "--beta", "0"], "nothing to optimise"),
        (["--save-every", "0"], "save-every must be 1 or more"),
        (["--device", "cuda:0"] , "no CUDA GPU"),
        (["--weights", "/nonexistent/vgg.pth"], "expected a file with sha256"),
    ],
)
def test_bad_options(extra, message, tmp_path, face_path, style_path, capsys):
    import torch

    if "cuda:0" in extra and torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    out = tmp_path / "out.png"
    code, _, err = run_cli(["run", str(face_path), str(style_path), "-o", str(out), "--size", "32", "--steps", "1", *extra], capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1, err
    assert not out.exists()


@pytest.mark.parametrize("output, message", [("missing/out.png", "does not exist"), ("out.gif", "must end in")])
def test_bad_output_paths(output, message, tmp_path, face_path, style_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(["run", str(face_path), str(style_path), "-o", output, "--steps", "1"], capsys)
    assert code == 2 and message in err and err.count("\n") == 1


def test_unwritable_output_folder(tmp_path, face_path, style_path, capsys, monkeypatch):
    import os

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    # Root may write anywhere, so simulate the permission check a normal user would fail.
    monkeypatch.setattr(os, "access", lambda path, mode: False if str(path) == str(locked) else real_access(path, mode))
    code, _, err = run_cli(["run", str(face_path), str(style_path), "-o", str(locked / "o.png")], capsys)
    assert code == 2 and "not writable" in err and err.count("\n") == 1
    assert list(locked.iterdir()) == []


def test_several_styles_and_controls_are_recorded(tmp_path, face_path, style_path, capsys):
    out = tmp_path / "blend.png"
    code, _, err = run_cli(
        ["run", str(face_path), "--style", str(style_path), "--style", str(face_path), "--style-blend", "0.7,0.3",
         "--style-scale", "1.5", "--strength", "2", "--preserve-color", "histogram", "--region-style", "shared",
         "-o", str(out),
         "--size", "32", "--steps", "2", "--quiet"],
        capsys,
    )
    assert code == 0, err
    metadata = read_metadata(out)
    settings = metadata["settings"]
    assert settings["style_blend"] == [0.7, 0.3] and settings["style_scale"] == 1.5
    assert settings["strength"] == 2.0 and settings["preserve_color"] == "histogram"
    assert settings["region_style"] == "shared"
    assert [entry["path"] for entry in metadata["inputs"]["styles"]] == [
        os.path.relpath(style_path, tmp_path), os.path.relpath(face_path, tmp_path)]
    assert len(metadata["inputs"]["content"]["sha256"]) == 64


def test_recipe_flag_runs(tmp_path, face_path, style_path, capsys):
    out = tmp_path / "report.png"
    code, _, err = run_cli(
        ["run", str(face_path), str(style_path), "-o", str(out), "--recipe", "report", "--steps", "2", "--size", "32",
         "--quiet"],
        capsys,
    )
    assert code == 0, err
    assert read_metadata(out)["settings"]["recipe"] == "report"


def test_config_file_with_flags_overriding_it(tmp_path, face_path, style_path, capsys):
    content, style = copy_inputs(tmp_path, face_path, style_path)
    config = tmp_path / "run.toml"
    config.write_text(
        'content = "face.png"\nstyle = "style.png"\noutput = "from-config.png"\nsize = 32\nsteps = 3\n'
        'style_layers = "shallow"\nbeta = 7.5\n',
        encoding="utf-8",
    )
    code, _, err = run_cli(["run", "--config", str(config), "--steps", "2", "--quiet"], capsys)
    assert code == 0, err
    settings = read_metadata(tmp_path / "from-config.png")["settings"]
    assert (settings["size"], settings["steps"], settings["beta"]) == (32, 2, 7.5)
    assert settings["style_layers"] == {"relu1_1": 0.5, "relu2_1": 0.4, "relu3_1": 0.1, "relu4_1": 0.0, "relu5_1": 0.0}


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--style-blend=-1,2"], "negative"),
        (["--style-blend", "0,0"], "add up to zero"),
        (["--style-blend", "1,1,1"], "3 weights for 1 style image"),
        (["--strength", "20"], "strength must be between 0 and 10"),
        (["--method", "adain", "--strength", "2"], "between 0 and 1 for method adain"),
        (["--style-scale", "0"], "style_scale must be between"),
        (["--preserve-color", "lab"], "invalid choice: 'lab'"),
        (["--region-style", "eyes"], "invalid choice: 'eyes'"),
        (["--style-layers", "relu1_1=0,relu2_1=0"], "add up to zero"),
        (["--config", "/nonexistent/run.toml"], "does not exist"),
    ],
)
def test_bad_control_values(extra, message, tmp_path, face_path, style_path, capsys):
    out = tmp_path / "out.png"
    code, _, err = run_cli(["run", str(face_path), str(style_path), "-o", str(out), "--size", "32", "--steps", "1", *extra],
                        capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1, err
    assert not out.exists()


def test_unknown_config_key_is_one_line_with_a_hint(tmp_path, face_path, style_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text("strenght = 2\n", encoding="utf-8")
    code, _, err = run_cli(["run", str(face_path), str(style_path), "-o", str(tmp_path / "o.png"), "--config", str(config)],
                        capsys)
    assert code == 2 and "did you mean 'strength'" in err and err.count("\n") == 1


def test_missing_inputs_are_one_line(tmp_path, capsys):
    code, _, err = run_cli(["run", "-o", str(tmp_path / "o.png")], capsys)
    assert code == 2 and "no CONTENT image" in err and err.count("\n") == 1


def test_forced_bf16_on_a_cpu_that_emulates_it_is_said_once_before_therun_cli(tmp_path, face_path, style_path, capsys, monkeypatch):
    from facestyle.features import encoder as engine

    monkeypatch.setattr(engine, "cpu_has_native_bf16", lambda: False)
    out = tmp_path / "o.png"
    argv = ["run", str(face_path), str(style_path), "-o", str(out), "--size", "32", "--steps", "1", "--quiet",
            "--device", "cpu", "--precision", "bf16"]
    code, _, err = run_cli(argv, capsys)
    assert code == 0 and out.exists()
    assert err.count("no native bf16") == 1 and "--precision auto" in err
