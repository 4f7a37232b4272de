"""The command line as a whole: --version, --help, usage errors and --debug."""

from facestyle.cli import main
from tests.cli.conftest import run_cli


def test_version_and_help(capsys):
    assert main(["--version"]) == 0 and "facestyle 0.1.0" in capsys.readouterr().out
    assert main(["run", "--help"]) == 0 and "--style-layers" in capsys.readouterr().out
    assert main([]) == 2 and "required" in capsys.readouterr().err


def test_debug_shows_the_traceback(tmp_path, style_path, capsys):
    code, _, err = run_cli(["run", str(tmp_path / "nope.jpg"), str(style_path), "-o", str(tmp_path / "o.png"), "--debug"], capsys)
    assert code == 2 and "Traceback" in err
