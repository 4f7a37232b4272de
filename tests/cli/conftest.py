"""Helpers for the command-line tests: run ``facestyle.cli.main`` in-process and capture its output."""

from facestyle.cli import main


def run_cli(argv, capsys):
    """``(exit code, stdout, stderr)`` of one command line."""
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def copy_inputs(tmp_path, face_path, style_path):
    """The test photo and painting copied into ``tmp_path``, so a test may change or move them."""
    content, style = tmp_path / "face.png", tmp_path / "style.png"
    content.write_bytes(face_path.read_bytes())
    style.write_bytes(style_path.read_bytes())
    return content, style
