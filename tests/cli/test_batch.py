"""facestyle batch: the bar on and off, resuming, failed photos, interruption, and bad arguments."""

import csv
import os

import pytest

from facestyle.image.io import read_metadata
from tests.batch.conftest import add_broken_photos
from tests.cli.conftest import run_cli

TINY = ["--size", "32", "--steps", "2", "--scales", "1"]


@pytest.fixture
def photos(tmp_path, face_path, portrait_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "anna.png").write_bytes(face_path.read_bytes())
    (folder / "ben.jpg").write_bytes(portrait_path.read_bytes())
    return folder


def test_paints_a_folder_with_a_bar_then_keeps_it(photos, tmp_path, style_path, capsys):
    out = tmp_path / "out"
    code, _, err = run_cli(["batch", str(photos), "--style", str(style_path), "-o", str(out), *TINY], capsys)
    assert code == 0, err
    assert "2.0/2 photos" in err and "2 painted, 0 already done, 0 failed" in err
    assert sorted(os.listdir(out)) == ["anna.png", "ben.png", "summary.csv"]
    code, _, err = run_cli(["batch", str(photos), "--style", str(style_path), "-o", str(out), *TINY], capsys)
    assert code == 0 and "0 painted, 2 already done" in err
    code, _, err = run_cli(
        ["batch", str(photos), "--style", str(style_path), "-o", str(out), *TINY, "--steps", "3", "--quiet"], capsys
    )
    assert code == 0 and "2 painted" in err


def test_quiet_shows_no_bar_but_reports_each_failed_photo(photos, tmp_path, style_path, capsys):
    add_broken_photos(photos)
    out = tmp_path / "out"
    code, _, err = run_cli(
        ["batch", str(photos), "--style", str(style_path), "-o", str(out), *TINY, "--quiet"], capsys
    )
    assert code == 1
    assert "photos [" not in err  # no bar
    lines = err.strip().splitlines()
    failed = [line for line in lines if ": failed: " in line]
    assert [line.split(":")[0] for line in failed] == ["broken.jpg", "cut.jpg"]
    assert "2 painted, 0 already done, 2 failed" in lines[-1]
    with open(out / "summary.csv", newline="") as stream:
        assert [row["status"] for row in csv.DictReader(stream)] == ["done", "done", "failed", "failed"]


def test_interrupt_says_how_to_resume(photos, tmp_path, style_path, capsys, monkeypatch):
    import facestyle.engine

    real = facestyle.engine.stylize
    calls = []

    def interrupted_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(facestyle.engine, "stylize", interrupted_second)
    out = tmp_path / "out"
    code, _, err = run_cli(["batch", str(photos), "--style", str(style_path), "-o", str(out), *TINY], capsys)
    assert code == 130 and "run the same command again" in err
    assert sorted(os.listdir(out)) == ["anna.png", "summary.csv"]
    monkeypatch.setattr(facestyle.engine, "stylize", real)
    code, _, err = run_cli(["batch", str(photos), "--style", str(style_path), "-o", str(out), *TINY], capsys)
    assert code == 0 and "1 painted, 1 already done" in err


def test_help_names_the_command(capsys):
    code, out, _ = run_cli(["batch", "--help"], capsys)
    assert code == 0 and "PHOTOS_DIR" in out and "--style" in out and "--broker" in out


@pytest.mark.parametrize(
    "make_args, text",
    [
        (lambda tmp, photos, style: [str(tmp / "nope"), "--style", str(style)], "does not exist"),
        (lambda tmp, photos, style: [str(photos), "--style", str(tmp / "nope.jpg")], "does not exist"),
        (lambda tmp, photos, style: [str(photos)], "no painting was given"),
        (lambda tmp, photos, style: [str(photos), "--style", str(style), "--method", "oil"], "invalid choice"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(make_args, text, photos, tmp_path, style_path, capsys):
    out = tmp_path / "out"
    code, _, err = run_cli(["batch", *make_args(tmp_path, photos, style_path), "-o", str(out), *TINY], capsys)
    assert code == 2 and text in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_unwritable_output_gives_one_line(photos, tmp_path, style_path, capsys, monkeypatch):
    import facestyle.files

    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    # The check asks the OS, which lets root write anywhere; this folder says no to everyone.
    monkeypatch.setattr(
        facestyle.files.os, "access", lambda path, mode: False if str(path) == str(locked) else real_access(path, mode)
    )
    code, _, err = run_cli(["batch", str(photos), "--style", str(style_path), "-o", str(locked / "out"), *TINY], capsys)
    assert code == 2 and "not writable" in err and len(err.strip().splitlines()) == 1
    assert os.listdir(locked) == []


def test_the_painting_and_settings_may_come_from_a_config_file(photos, tmp_path, style_path, capsys):
    config = tmp_path / "batch.toml"
    config.write_text(f'style = "{style_path}"\nsize = 32\nsteps = 2\nscales = 1\n')
    out = tmp_path / "out"
    code, _, err = run_cli(["batch", str(photos), "-o", str(out), "--config", str(config), "--quiet"], capsys)
    assert code == 0, err
    assert read_metadata(out / "anna.png")["settings"]["size"] == 32
