"""Print sizes in the engine: texture scales, the convergence rule, progress and cancelling at every scale."""

import pytest

import facestyle
from facestyle.errors import Cancelled
from facestyle.image.io import load_image, resize_long_side, resize_to, to_tensor
from tests.cli.conftest import run_cli
from tests.conftest import read_image

#: A print-size run in miniature: composition up to 32 px, then texture scales at 64 and 96 px.
PRINT = dict(size=96, composition_size=32, min_size=16, steps=6, texture_steps=3)


def test_texture_scales_paint_the_output_size_and_progress_names_the_scale(face_path, style_path):
    events = []
    result = facestyle.stylize(face_path, style_path, progress=events.append, **PRINT)
    output = resize_long_side(load_image(face_path), 96).size
    assert result.image.size == output
    assert [row["size"] for row in result.history if "anchor" in row] == [64] * 3 + [96] * 3
    assert {event.scales for event in events} == {5}
    assert [event.scale for event in events][-3:] == [4, 4, 4] and events[-1].size == output
    assert all(event.output_size == output for event in events)
    assert events[-1].total_steps == 12 and events[-1].step == 12
    assert all(event.eta is not None and event.eta >= 0 for event in events)
    assert events[-1].eta == 0


def test_the_convergence_rule_ends_scales_whose_j_no_longer_falls(face_path, style_path):
    options = dict(size=48, min_size=16, steps=12, face_aware=False)
    everything = facestyle.stylize(face_path, style_path, **options)
    assert len(everything.history) == 12
    events = []
    stopped = facestyle.stylize(face_path, style_path, **options, stop_tol=0.99, stop_window=1,
                                progress=events.append)
    assert len(stopped.history) == 2 * 3  # each of the three scales ends after its second step
    # Step numbers stay on the schedule (7, 3 and 2 steps): a stopped scale's remaining steps are skipped.
    assert [event.step for event in events] == [1, 2, 8, 9, 11, 12]
    assert stopped.image.size == everything.image.size


def test_a_rule_that_never_holds_runs_every_step(face_path, style_path):
    result = facestyle.stylize(face_path, style_path, size=48, min_size=16, steps=12, face_aware=False,
                               stop_tol=1e-12)
    assert len(result.history) == 12


def test_cancel_works_on_a_texture_scale(face_path, style_path):
    seen = []

    def cancel_at_the_last_scale(event):
        seen.append(event.scale)
        if event.scale == event.scales - 1:
            raise Cancelled("stopped")

    with pytest.raises(Cancelled):
        facestyle.stylize(face_path, style_path, progress=cancel_at_the_last_scale, **PRINT)
    assert seen[-1] == 4


def test_snapshots_are_full_size_and_the_bar_shows_the_scale(face_path, style_path, tmp_path, capsys):
    out = tmp_path / "print.png"
    code, _, err = run_cli(["run", str(face_path), str(style_path), "-o", str(out), "--size", "96",
                            "--composition-size", "32", "--min-size", "16", "--steps", "6", "--texture-steps", "2",
                            "--save-every", "2"], capsys)
    assert code == 0, err
    snapshots = sorted(tmp_path.glob("print.step*.png"))
    assert len(snapshots) == 5
    assert {read_image(path).size for path in snapshots} == {read_image(out).size}
    assert "scale 5/5" in err and "72x96" in err and "left ≤" in err


def test_a_print_reduced_to_the_composition_size_is_the_composition(face_path, style_path):
    options = dict(PRINT, face_aware=False)
    printed = facestyle.stylize(face_path, style_path, **options).image
    composed = facestyle.stylize(face_path, style_path, **{**options, "size": 32}).image
    reduced = to_tensor(resize_to(printed, composed.size))
    assert (reduced - to_tensor(composed)).abs().mean() < 1.5 / 255


def test_a_texture_scale_stops_when_its_evaluations_are_spent(face_path, style_path, monkeypatch):
    # Every step backtracks once (one more evaluation than it would): a texture scale budgeted
    # 3 steps has 4 evaluations, so it ends after its second step (3 + 2 evaluations).
    from facestyle.optim.optimizers import LBFGS

    original = LBFGS.step

    def backtracking_step(self, evaluate):
        result = original(self, evaluate)
        result.evaluations += 1
        return result

    monkeypatch.setattr(LBFGS, "step", backtracking_step)
    events = []
    result = facestyle.stylize(face_path, style_path, progress=events.append, **PRINT)
    assert [row["size"] for row in result.history if "anchor" in row] == [64] * 2 + [96] * 2
    # The composition scales keep their steps, and the step numbers stay on the schedule.
    assert len(result.history) == 6 + 4
    assert [event.step for event in events if event.scale >= 3] == [7, 8, 10, 11]
