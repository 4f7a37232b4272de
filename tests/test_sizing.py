"""Output sizes the photo or the machine cannot give are refused before any work, naming one that works."""

import pytest

import facestyle
from facestyle import sizing
from facestyle.errors import OptionError
from facestyle.settings import Settings
from tests.cli.conftest import run_cli


def test_more_than_twice_the_photo_is_refused_with_the_size_that_works():
    with pytest.raises(OptionError) as error:
        sizing.check_size(Settings(size=2048), (750, 1000))
    message = str(error.value)
    assert "\n" not in message and "2048" in message and "--size 2000 or less" in message


def test_the_largest_size_a_photo_allows_is_one_check_size_accepts(monkeypatch):
    assert sizing.largest_size(Settings(size=2048), (450, 600)) == 1200
    assert sizing.largest_size(Settings(size=1024), (1500, 2000)) == 1024
    monkeypatch.setattr(sizing, "machine_memory", lambda: (4e9, 4e9))
    fits = sizing.largest_size(Settings(size=2048), (1536, 2048))
    assert 64 <= fits < 2048
    sizing.check_size(Settings(size=fits), (1536, 2048))
    assert sizing.largest_size(Settings(size=2048, method="fast"), (1536, 2048)) == 2048


def test_an_enlargement_within_twice_the_photo_is_a_warning():
    assert any("enlarges" in text for text in sizing.check_size(Settings(size=1900), (750, 1000)))
    assert sizing.check_size(Settings(size=512), (750, 1000)) == []


def test_more_memory_than_the_machine_has_is_refused_and_the_named_size_fits(monkeypatch):
    monkeypatch.setattr(sizing, "machine_memory", lambda: (4e9, 4e9))
    settings = Settings(size=2048)
    with pytest.raises(OptionError) as error:
        sizing.check_size(settings, (1536, 2048))
    message = str(error.value)
    fits = int(message.split("--size ")[1].split()[0])
    assert "GB" in message and 512 <= fits < 2048
    assert sizing.estimated_peak_bytes(settings.replace(size=fits), 0.75) <= sizing.USABLE_SHARE * 4e9
    assert sizing.estimated_peak_bytes(settings.replace(size=fits + 64), 0.75) > sizing.USABLE_SHARE * 4e9


def test_memory_that_is_taken_now_is_a_warning(monkeypatch):
    monkeypatch.setattr(sizing, "machine_memory", lambda: (64e9, 2e9))
    warnings = sizing.check_size(Settings(size=2048), (1536, 2048))
    assert any("free" in text and "--size" in text for text in warnings)
    # The one-pass methods and a GPU are not held to the CPU's memory.
    assert sizing.check_size(Settings(size=2048, method="fast"), (1536, 2048)) == []
    assert sizing.check_size(Settings(size=2048), (1536, 2048), device="cuda") == []


def test_print_sizes_need_memory_that_does_not_grow_with_the_square_of_the_full_pass():
    # The texture scale's pass stops at relu3_1: 2048 px plans far less than a full pass would.
    texture = sizing.estimated_peak_bytes(Settings(size=2048), 0.75)
    full = sizing.estimated_peak_bytes(Settings(size=2048, composition_size=2048), 0.75)
    assert texture < 6e9 < full


def test_the_api_refuses_before_loading_the_painting(face_path, tmp_path):
    with pytest.raises(OptionError, match="--size 192 or less"):
        facestyle.stylize(face_path, tmp_path / "no-such-painting.jpg", size=400, steps=1)


def test_the_cli_refuses_with_one_line_exit_2_and_writes_nothing(face_path, style_path, tmp_path, capsys):
    out = tmp_path / "print.png"
    code, _, err = run_cli(["run", str(face_path), str(style_path), "-o", str(out), "--size", "400"], capsys)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "--size 192 or less" in err
    assert list(tmp_path.iterdir()) == []


def test_the_cli_says_a_warning_before_the_run(face_path, style_path, tmp_path, capsys):
    out = tmp_path / "print.png"
    code, _, err = run_cli(["run", str(face_path), str(style_path), "-o", str(out), "--size", "180", "--steps", "1",
                            "--quiet", "--plain"], capsys)
    assert code == 0 and out.is_file()
    assert err.count("enlarges the 96 px photo") == 1  # said once, before the run, not again after it
