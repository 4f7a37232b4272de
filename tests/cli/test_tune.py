"""facestyle tune: the tuned signal is filed, fast runs in that style use it, errors are one line."""

import os
from pathlib import Path

import numpy as np
import pytest

from tests.cli.conftest import run_cli
from tests.cli.test_run import _bad_files
from tests.conftest import read_image


def _fast(tmp_path, name, face_path, style_path, capsys):
    out = tmp_path / name
    code, _, err = run_cli(["run", str(face_path), str(style_path), "-o", str(out), "--method", "fast",
                            "--size", "96", "--quiet"], capsys)
    assert code == 0, err
    return np.asarray(read_image(out), dtype=np.int16)


def test_tune_files_the_signal_and_fast_runs_use_it(tmp_path, face_path, style_path, capsys):
    before = _fast(tmp_path, "before.png", face_path, style_path, capsys)
    code, out, err = run_cli(["tune", str(style_path), str(face_path), "--steps", "3"], capsys)
    assert code == 0, err
    assert "3/3" in err  # the bar
    filed = list(Path(os.environ["FACESTYLE_SIGNALS"]).glob("*.json"))
    assert len(filed) == 1 and f"wrote {filed[0]}" in out
    after = _fast(tmp_path, "after.png", face_path, style_path, capsys)
    assert np.abs(after - before).mean() > 1


def test_tune_quietly(tmp_path, face_path, style_path, capsys):
    code, out, err = run_cli(["tune", str(style_path), str(face_path), str(face_path), "--steps", "1", "--quiet"],
                             capsys)
    assert code == 0, err
    assert err == "" and out.startswith("wrote ")


@pytest.mark.parametrize("case", ["missing", "empty", "text", "huge"])
def test_bad_paintings_and_photos(case, tmp_path, face_path, style_path, capsys):
    bad, message = _bad_files(tmp_path)[case]
    for argv in (["tune", str(bad), str(face_path)], ["tune", str(style_path), str(bad)]):
        code, _, err = run_cli([*argv, "--steps", "1"], capsys)
        assert code == 2
        assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not list(Path(os.environ["FACESTYLE_SIGNALS"]).glob("*"))


@pytest.mark.parametrize(
    "extra, message",
    [([], "the following arguments are required: PHOTO"), (["--steps", "0"], "at least one step")],
)
def test_bad_options(extra, message, style_path, face_path, capsys):
    argv = ["tune", str(style_path)] + ([str(face_path)] if extra else []) + extra
    code, _, err = run_cli(argv, capsys)
    assert code == 2 and message in err and err.count("\n") == 1


def test_an_unwritable_signal_folder_is_one_line(tmp_path, face_path, style_path, capsys, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("")
    monkeypatch.setenv("FACESTYLE_SIGNALS", str(blocked / "signals"))
    code, _, err = run_cli(["tune", str(style_path), str(face_path), "--steps", "1", "--quiet"], capsys)
    assert code == 2 and "FACESTYLE_SIGNALS" in err and err.count("\n") == 1
