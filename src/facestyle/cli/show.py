"""``facestyle show``: print the settings and inputs an output embeds, as a config file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
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
    from facestyle.config import dumps_toml, settings_from_dict
    from facestyle.errors import InputImageError
    from facestyle.image.io import load_image, read_metadata

    load_image(args.image, what="image")
    metadata = read_metadata(args.image)
    if not metadata or not isinstance(metadata.get("settings"), dict):
        raise InputImageError(f"'{args.image}' carries no facestyle settings")
    settings = settings_from_dict(metadata["settings"], where=f"'{args.image}'")
    inputs: dict[str, Any] = {}
    recorded = metadata.get("inputs") or {}
    folder = Path(args.image).parent
    if isinstance(recorded.get("content"), dict):
        inputs["content"] = str((folder / recorded["content"]["path"]).resolve())
    styles = [entry["path"] for entry in recorded.get("styles", []) if isinstance(entry, dict)]
    if styles:
        inputs["style"] = [str((folder / path).resolve()) for path in styles]
    sys.stdout.write(dumps_toml(settings, inputs=inputs))
    return 0
