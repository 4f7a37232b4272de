"""``facestyle show``: print the settings and inputs an output embeds, as a config file."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from facestyle.cli.options import add_debug


def add_command(commands: Any) -> None:
    show = commands.add_parser(
        "show",
        help="print the settings an output embeds, as a config file",
        description="Print IMAGE's embedded settings and inputs as TOML, ready for 'facestyle run --config'.",
    )
    show.add_argument("image", help="an image written by facestyle")
    add_debug(show)
    show.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from facestyle.config import embedded_config

    sys.stdout.write(embedded_config(args.image))
    return 0
