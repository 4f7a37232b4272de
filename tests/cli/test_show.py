"""facestyle show: an output's embedded settings printed as a config file that makes the same image."""

import numpy as np

from facestyle.image.io import read_metadata
from tests.cli.conftest import copy_inputs, run_cli
from tests.conftest import read_image


def test_show_prints_a_config_that_runs_again(tmp_path, face_path, style_path, capsys):
    content, style = copy_inputs(tmp_path, face_path, style_path)
    out = tmp_path / "portrait.png"
    assert run_cli(["run", str(content), str(style), "-o", str(out), "--size", "32", "--steps", "2", "--strength", "3",
                 "--quiet"], capsys)[0] == 0
    code, stdout, err = run_cli(["show", str(out)], capsys)
    assert code == 0, err
    config = tmp_path / "shown.toml"
    config.write_text(stdout, encoding="utf-8")
    second = tmp_path / "second.png"
    assert run_cli(["run", "--config", str(config), "-o", str(second), "--quiet"], capsys)[0] == 0
    assert read_metadata(second)["settings"] == read_metadata(out)["settings"]
    assert np.array_equal(np.asarray(read_image(out)), np.asarray(read_image(second)))
