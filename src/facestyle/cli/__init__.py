"""The ``facestyle`` command: a thin layer over the Python API, one module per command.

``facestyle.cli.main`` runs the command line and ``facestyle.cli:_entry_point`` is the console
script; both live in :mod:`facestyle.cli.entry`.
"""

from facestyle.cli.entry import _entry_point, build_parser, main

__all__ = ["_entry_point", "build_parser", "main"]
