"""The progress bar: drawn for every kind of progress event, including AdaIN's, which has no costs."""

import pytest
from PIL import Image

from facestyle.cli import main
from facestyle.cli.progress import ProgressPrinter
from facestyle.engine import Progress


def _event(step, costs):
    return Progress(step, 2, costs, 0.1, (8, 6), step, lambda: Image.new("RGB", (8, 6)))


def test_the_bar_shows_the_costs_of_an_event_that_has_them(tmp_path, capsys):
    printer = ProgressPrinter(enabled=True, save_every=1, output=tmp_path / "out.png")
    with printer:
        printer(_event(1, {"total": 1.5, "content": 0.5, "style": 1.0}))
    err = capsys.readouterr().err
    assert "J=1.5" in err and "1/2" in err and "8x6" in err
    assert [path.name for path in printer.saved] == ["out.step0001.png"]


def test_the_bar_shows_the_step_of_an_event_without_costs(tmp_path, capsys):
    printer = ProgressPrinter(enabled=True, save_every=2, output=tmp_path / "out.png")
    with printer:
        printer(_event(2, {}))
    err = capsys.readouterr().err
    assert "2/2" in err and "8x6" in err and "J=" not in err
    assert [path.name for path in printer.saved] == ["out.step0002.png"]


@pytest.mark.parametrize("method", ["adain", "fast"])
def test_one_pass_run_with_the_bar_on(tmp_path, face_path, style_path, capsys, method):
    out = tmp_path / "fast.png"
    code = main(["run", str(face_path), str(style_path), "-o", str(out), "--method", method, "--size", "32"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert out.is_file()
    assert "Traceback" not in err and "KeyError" not in err
    assert "1/1" in err  # the bar itself was drawn, not skipped
    assert "/200" not in err  # one step, not the optimisation's --steps
