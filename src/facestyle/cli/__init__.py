"""The ``facestyle`` command; ``facestyle.cli:_entry_point`` is the console script."""

from facestyle.cli.entry import _entry_point, build_parser, main

__all__ = ["_entry_point", "build_parser", "main"]
