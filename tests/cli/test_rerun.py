"""facestyle rerun: the same image again from what an output embeds, refused when an input changed."""

import numpy as np

from facestyle.image.io import read_metadata
from tests.cli.conftest import copy_inputs, run_cli
from tests.conftest import read_image


def test_rerun_makes_the_same_image_and_refuses_changed_inputs(tmp_path, face_path, style_path, capsys):
    content, style = copy_inputs(tmp_path, face_path, style_path)
    out = tmp_path / "portrait.png"
    options = ["--size", "32", "--steps", "3", "--init", "content+noise", "--seed", "5", "--quiet"]
    assert run_cli(["run", str(content), str(style), "-o", str(out), *options], capsys)[0] == 0
    code, stdout, err = run_cli(["rerun", str(out), "--quiet"], capsys)
    assert code == 0, err
    assert f"identical to {out}" in stdout
    again = tmp_path / "portrait.rerun.png"
    assert np.array_equal(np.asarray(read_image(out)), np.asarray(read_image(again)))
    assert read_metadata(again)["settings"] == read_metadata(out)["settings"]

    style.write_bytes(face_path.read_bytes())
    code, _, err = run_cli(["rerun", str(out)], capsys)
    assert code == 2 and "has changed since" in err and err.count("\n") == 1
    code, _, err = run_cli(["rerun", str(out), "-o", str(out)], capsys)
    assert code == 2 and err.count("\n") == 1
