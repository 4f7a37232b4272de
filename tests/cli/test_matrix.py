"""Every command, both methods, with the progress bar on and off: exit code, output and no traceback.

Each case goes through ``facestyle.cli.main`` in-process on the 32 px test images, so the whole
matrix costs little more than one VGG load. Bad input gets one case per command: a missing file
is one line with exit code 2, and nothing is written.
"""

import pytest

from facestyle.cli import main
from facestyle.image.io import read_metadata
from tests.cli.conftest import copy_inputs, run_cli

METHODS = ("gatys", "fast", "adain")
BARS = {"bar": [], "quiet": ["--quiet"]}
TINY = ["--size", "32", "--steps", "2", "--scales", "1"]


def _clean(code, err):
    assert code == 0, err
    assert "Traceback" not in err and "Error" not in err, err


@pytest.mark.parametrize("bar", BARS)
@pytest.mark.parametrize("method", METHODS)
def test_run_rerun_show_and_inspect(method, bar, tmp_path, face_path, style_path, capsys):
    content, style = copy_inputs(tmp_path, face_path, style_path)
    out = tmp_path / "portrait.png"
    code, _, err = run_cli(["run", str(content), str(style), "-o", str(out), "--method", method, *TINY, *BARS[bar]],
                           capsys)
    _clean(code, err)
    assert read_metadata(out)["settings"]["method"] == method
    if bar == "bar":
        assert "2/2" in err or "1/1" in err  # the bar was drawn

    code, stdout, err = run_cli(["rerun", str(out), *BARS[bar]], capsys)
    _clean(code, err)
    assert (tmp_path / "portrait.rerun.png").is_file() and f"identical to {out}" in stdout

    code, stdout, err = run_cli(["show", str(out)], capsys)
    _clean(code, err)
    assert f'method = "{method}"' in stdout and "content = " in stdout

    code, stdout, err = run_cli(["inspect", str(content), str(out), "--json"], capsys)
    _clean(code, err)
    assert '"result"' in stdout


@pytest.mark.parametrize("bar", BARS)
@pytest.mark.parametrize("method", METHODS)
def test_study(method, bar, tmp_path, face_path, style_path, capsys):
    folder = tmp_path / "study"
    code, _, err = run_cli(
        ["study", str(face_path), str(style_path), "-o", str(folder), "--strengths", "0.5,1", "--method", method,
         *TINY, *BARS[bar]],
        capsys,
    )
    _clean(code, err)
    assert (folder / "sheet.png").is_file() and (folder / "study.csv").is_file()


def test_serve_starts_and_stops(tmp_path, capsys, monkeypatch):
    import threading
    import time

    from facestyle.web import server

    started = []
    serve_until_started = server.StudioServer.run

    def run_briefly(self):
        def stop_once_started():
            deadline = time.monotonic() + 30
            while not self.started and time.monotonic() < deadline:
                time.sleep(0.05)
            started.append(self.started)
            self.should_exit = True

        threading.Thread(target=stop_once_started, daemon=True).start()
        serve_until_started(self)

    monkeypatch.setattr(server.StudioServer, "run", run_briefly)
    code, _, err = run_cli(["serve", "--data-dir", str(tmp_path / "studio"), "--port", str(server_port())], capsys)
    _clean(code, err)
    assert started == [True] and (tmp_path / "studio").is_dir()
    assert main(["serve", "--help"]) == 0 and "--data-dir" in capsys.readouterr().out


def server_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _missing_file_cases(tmp_path, face_path, style_path):
    """Per command: its arguments with one missing file, and the paths it must not write."""
    missing = str(tmp_path / "missing.png")
    out = tmp_path / "out.png"
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    return {
        "run": (["run", missing, str(style_path), "-o", str(out)], [out]),
        "rerun": (["rerun", missing, "-o", str(out)], [out]),
        "show": (["show", missing], []),
        "inspect": (["inspect", missing, "--overlay", str(out)], [out]),
        "study": (["study", str(face_path), missing, "-o", str(tmp_path / "study")], [tmp_path / "study"]),
        "serve": (["serve", "--data-dir", str(a_file)], []),
    }


@pytest.mark.parametrize("command", ["run", "rerun", "show", "inspect", "study", "serve"])
def test_a_missing_file_is_one_line_and_exit_2(command, tmp_path, face_path, style_path, capsys):
    argv, not_written = _missing_file_cases(tmp_path, face_path, style_path)[command]
    code, stdout, err = run_cli(argv, capsys)
    assert code == 2
    assert err.startswith("facestyle: error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    assert stdout == ""
    for path in not_written:
        assert not path.exists(), path
