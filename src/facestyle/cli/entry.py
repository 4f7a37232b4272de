"""The ``facestyle`` command's parser and the one place where errors become exit codes.

:func:`main` catches facestyle's own error types and prints one line (``facestyle: error: …``)
with exit code 2; ``--debug`` shows the traceback instead. Each command lives in its own module
of this package and adds itself to the parser with ``add_command``.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from typing import Sequence

from facestyle import __version__
from facestyle.cli import batch, inspect, rerun, run, serve, show, sketch, study, tune, worker
from facestyle.errors import FacestyleError

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line that points at --help (exit code 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="facestyle",
        description="Paint a face photo in the style of a painting or drawing, on your own machine.",
    )
    parser.add_argument("--version", action="version", version=f"facestyle {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for command in (run, sketch, batch, inspect, serve, worker, rerun, show, study, tune):
        command.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 success, 2 bad input, 130 interrupted)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:  # --help, --version and usage errors
        return int(exit_request.code or 0)
    try:
        return args.handler(args)
    except FacestyleError as error:
        if getattr(args, "debug", False):
            traceback.print_exc()
        print(f"facestyle: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("facestyle: interrupted; no output was written", file=sys.stderr)
        return EXIT_INTERRUPTED


def _entry_point() -> None:  # pragma: no cover - console_scripts wrapper
    sys.exit(main())
