"""Config files and reruns: settings as TOML, and the record of a run's inputs inside its output.

A config file is flat TOML whose keys are :class:`~facestyle.settings.Settings` field names
(``size = 384``, ``preserve_color = "luminance"``, ``style_layers = "deep"`` or a
``[style_layers]`` table), plus ``recipe``/``objective`` presets and the inputs and outputs of
a run (``content``, ``style`` — one path or a list —, ``output``, ``log``, ``plot``,
``save_every``). Paths are relative to the config file's folder. Command-line flags override it.

Every output the CLI writes embeds its settings and, under ``inputs``, the path and SHA-256 of
each input file, so ``facestyle rerun OUTPUT`` can check the inputs are the same files and make
the image again.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from facestyle.errors import InputImageError, OptionError
from facestyle.files import file_sha256
from facestyle.settings import Settings, make_settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: Keys a config file may hold that are not Settings fields: the run's files and report options.
RUN_KEYS = ("content", "style", "output", "log", "plot", "save_every")
#: Keys naming presets; they choose a preset, applied under the file's explicit values.
PRESET_KEYS = ("recipe", "objective")


@dataclass(frozen=True)
class Config:
    """A loaded config file: preset names, explicit Settings values and the run's files/options."""

    path: Path
    presets: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    run: dict[str, Any] = field(default_factory=dict)


def setting_names() -> list[str]:
    return [f.name for f in dataclasses.fields(Settings)]


def load_config(path: str | os.PathLike) -> Config:
    """Read and check a TOML config file (values are validated when settings are made from it).

    Raises:
        OptionError: missing or unreadable file, invalid TOML, an unknown key (with a
            "did you mean"), or a file path that is not text.
    """
    source = Path(path)
    if not source.is_file():
        what = "is a directory" if source.is_dir() else "does not exist"
        raise OptionError(f"config file '{source}' {what}; give the path of a .toml file")
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise OptionError(f"config file '{source}' is not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise OptionError(f"config file '{source}' could not be read ({error})") from None
    folder = source.parent
    presets: dict[str, str] = {}
    settings: dict[str, Any] = {}
    run: dict[str, Any] = {}
    fields = setting_names()
    for raw_key, value in data.items():
        key = raw_key.replace("-", "_")
        if key in PRESET_KEYS:
            presets[key] = value
        elif key in RUN_KEYS:
            run[key] = _run_value(source, folder, key, value)
        elif key in fields:
            settings[key] = value
        else:
            known = fields + list(RUN_KEYS)
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else "; keys are the option names, like size or beta"
            raise OptionError(f"unknown key '{raw_key}' in config file '{source}'{hint}")
    return Config(path=source, presets=presets, settings=settings, run=run)


def _run_value(source: Path, folder: Path, key: str, value: Any) -> Any:
    if key == "save_every":
        if isinstance(value, bool) or not isinstance(value, int):
            raise OptionError(f"save_every in config file '{source}' must be a whole number, not {value!r}")
        return value
    if key == "style" and isinstance(value, list):
        return [_path_value(source, folder, key, item) for item in value]
    return _path_value(source, folder, key, value)


def _path_value(source: Path, folder: Path, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise OptionError(f"{key} in config file '{source}' must be a path in quotes, not {value!r}")
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else folder / path)


#: Settings fields added after outputs were first written, with the value that reproduces what an
#: output written before the field existed did (its default may have changed since).
EARLIER_BEHAVIOUR = {"upscale": "image", "region_style": "matched"}


def settings_from_dict(data: Mapping[str, Any], *, where: str = "the settings") -> Settings:
    """Settings from a dict like :meth:`Settings.to_dict` (what outputs embed).

    A field the dict lacks because it was written by an older facestyle takes the value that
    reproduces that version's behaviour (:data:`EARLIER_BEHAVIOUR`), else its default.

    Raises:
        OptionError: an unknown key (with a "did you mean") or an invalid value.
    """
    fields = setting_names()
    for key in data:
        if key not in fields:
            close = difflib.get_close_matches(key, fields, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise OptionError(f"unknown option '{key}' in {where}{hint}")
    earlier = {key: value for key, value in EARLIER_BEHAVIOUR.items() if key not in data}
    return dataclasses.replace(Settings(), **earlier, **dict(data))


# -- writing TOML -------------------------------------------------------------------------------


def dumps_toml(settings: Settings, *, inputs: Mapping[str, Any] | None = None) -> str:
    """``settings`` as a config file that :func:`load_config` reads back to the same settings.

    Every field is written (None fields are left out, which means their default None), so the
    file keeps working if facestyle's defaults change. ``inputs`` adds ``content``/``style``.
    """
    lines = ["# facestyle settings; use with: facestyle run --config THIS.toml", ""]
    if inputs:
        for key in ("content", "style"):
            if key in inputs:
                lines.append(f"{key} = {_toml_value(inputs[key])}")
        lines.append("")
    data = settings.to_dict()
    layers = data.pop("style_layers")
    for key, value in data.items():
        if value is not None:
            lines.append(f"{key} = {_toml_value(value)}")
    lines += ["", "[style_layers]"]
    lines += [f"{name} = {_toml_value(weight)}" for name, weight in layers.items()]
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise OptionError(f"{value} cannot be written to a config file")
        return repr(value)  # shortest text that reads back as the same float
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise OptionError(f"cannot write {value!r} to a config file")


# -- the record of inputs and reruns ------------------------------------------------------------


def _relative_to(path: Path, folder: Path) -> str:
    """``path`` as seen from ``folder`` when they share a root (so a moved folder still works)."""
    try:
        return os.path.relpath(path.resolve(), folder.resolve())
    except ValueError:  # another drive on Windows
        return str(path.resolve())


def record_inputs(content: str | os.PathLike, styles: list[str | os.PathLike], output: str | os.PathLike) -> dict:
    """What an output embeds about its input files: paths relative to the output's folder, and hashes.

    Relative paths keep a folder of inputs and outputs movable, and keep the user's home folder
    out of the image's metadata in the usual case.
    """
    folder = Path(output).parent

    def entry(path: str | os.PathLike) -> dict[str, str]:
        return {"path": _relative_to(Path(path), folder), "sha256": file_sha256(path)}

    return {"content": entry(content), "styles": [entry(style) for style in styles]}


@dataclass(frozen=True)
class RerunPlan:
    """What ``facestyle rerun`` needs: the settings and the checked input files."""

    settings: Settings
    content: Path
    styles: list[Path]
    version: str | None


def plan_rerun(output: str | os.PathLike) -> RerunPlan:
    """Read an output's embedded settings and inputs and check the inputs are still the same files.

    Raises:
        InputImageError: the output is missing or unreadable, carries no settings or no record of
            its inputs, or an input is missing or has changed (its SHA-256 differs).
        OptionError: the embedded settings are not valid for this version of facestyle.
    """
    from facestyle.image.io import load_image, read_metadata

    source = Path(output)
    load_image(source, what="image to rerun")  # one clear error for a missing or broken file
    metadata = read_metadata(source)
    if not metadata or not isinstance(metadata.get("settings"), dict):
        raise InputImageError(
            f"'{source}' carries no facestyle settings; only images written by facestyle can be rerun"
        )
    inputs = metadata.get("inputs")
    if not isinstance(inputs, dict) or "content" not in inputs or not inputs.get("styles"):
        raise InputImageError(
            f"'{source}' records no input files (written through the Python API?); run 'facestyle run' again instead"
        )
    settings = settings_from_dict(metadata["settings"], where=f"'{source}'")
    folder = source.parent
    content = _checked_input(inputs["content"], folder, "content image", source)
    styles = [_checked_input(entry, folder, "style image", source) for entry in inputs["styles"]]
    return RerunPlan(settings, content, styles, metadata.get("facestyle"))


def _checked_input(entry: Any, folder: Path, what: str, output: Path) -> Path:
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        raise InputImageError(f"'{output}' has a damaged record of its {what}; run 'facestyle run' again instead")
    path = Path(entry["path"])
    path = path if path.is_absolute() else folder / path
    if not path.is_file():
        raise InputImageError(f"{what} '{path}' used to make '{output}' is missing; put it back to rerun")
    if file_sha256(path) != entry.get("sha256"):
        raise InputImageError(
            f"{what} '{path}' has changed since '{output}' was made (its sha256 differs); rerun needs the same file"
        )
    return path


def make_run_settings(
    *,
    config: Config | None,
    recipe: str | None,
    objective: str | None,
    overrides: Mapping[str, Any],
) -> Settings:
    """Defaults ← presets (flag, else config) ← the config's values ← flags given on the command line."""
    presets = dict(config.presets) if config else {}
    values = {**(config.settings if config else {}), **overrides}
    return make_settings(
        recipe=recipe or presets.get("recipe"), objective=objective or presets.get("objective"), **values
    )
