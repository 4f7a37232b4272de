"""The provenance format: config files, the settings and inputs embedded in outputs, and reruns.

A config file is flat TOML whose keys are :class:`~facestyle.settings.Settings` field names
(``size = 384``, ``preserve_color = "luminance"``, ``style_layers = "deep"`` or a
``[style_layers]`` table), plus ``recipe``/``objective`` presets and the inputs and outputs of
a run (``content``, ``style`` — one path or a list —, ``output``, ``log``, ``plot``,
``save_every``). Paths are relative to the config file's folder. Command-line flags override it.

Every output the CLI writes embeds facestyle's version, its settings and, under ``inputs``, the
path and SHA-256 of each input file (:func:`save_output`), so ``facestyle show`` can print it
back as a config file (:func:`embedded_config`) and ``facestyle rerun`` can check the inputs are
the same files and make the image again (:func:`plan_rerun`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from facestyle.errors import InputImageError, OptionError, did_you_mean
from facestyle.files import file_sha256
from facestyle.settings import Settings, make_settings

if TYPE_CHECKING:
    from PIL import Image

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
        elif key in RETIRED_OPTIONS:
            _without_retired({key: value}, f"config file '{source}'")
        else:
            hint = did_you_mean(key, fields + list(RUN_KEYS), otherwise="keys are the option names, like size or beta")
            raise OptionError(f"unknown key '{raw_key}' in config file '{source}'; {hint}")
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


#: Settings fields that outputs written by older versions of facestyle lack, with the value that
#: makes those outputs again (the field's default has changed since it was added). A field missing
#: from this table takes its default.
OLDER_OUTPUT_VALUES = {"upscale": "image", "region_style": "matched"}
#: Options older versions embedded that facestyle no longer has, with the one value that the
#: current code reproduces (an image pyramid as the optimised variable was measured worse than
#: pixels and removed: BENCHMARKS.md#tried-and-not-adopted).
RETIRED_OPTIONS = {"pyramid_levels": 1}


def settings_from_dict(data: Mapping[str, Any], *, where: str = "the settings") -> Settings:
    """Settings from a dict like :meth:`Settings.to_dict` (what outputs embed).

    A field the dict lacks because an older facestyle wrote it takes the value that reproduces
    that version's output (:data:`OLDER_OUTPUT_VALUES`), else its default.

    Raises:
        OptionError: an unknown key (with a "did you mean") or an invalid value.
    """
    fields = setting_names()
    data = _without_retired(data, where)
    for key in data:
        if key not in fields:
            hint = did_you_mean(key, fields)
            raise OptionError(f"unknown option '{key}' in {where}" + (f"; {hint}" if hint else ""))
    older = {key: value for key, value in OLDER_OUTPUT_VALUES.items() if key not in data}
    return dataclasses.replace(Settings(), **older, **dict(data))


def _without_retired(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """``data`` less the retired options that hold the value the current code reproduces."""
    kept = {}
    for key, value in data.items():
        if key in RETIRED_OPTIONS:
            if value != RETIRED_OPTIONS[key]:
                raise OptionError(
                    f"option '{key}' = {value!r} in {where} is no longer supported; remove it to run "
                    f"with the current method"
                )
            continue
        kept[key] = value
    return kept


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


# -- what outputs embed ----------------------------------------------------------------------------


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


def output_metadata(
    settings: Settings, *, content: str | os.PathLike, styles: list[str | os.PathLike], output: str | os.PathLike
) -> dict[str, Any]:
    """Everything an output embeds: facestyle's version, the settings and the record of the inputs."""
    from facestyle import __version__

    return {
        "facestyle": __version__,
        "settings": settings.to_dict(),
        "inputs": record_inputs(content, styles, output),
    }


def save_output(
    image: Image.Image,
    settings: Settings,
    output: str | os.PathLike,
    *,
    content: str | os.PathLike,
    styles: list[str | os.PathLike],
) -> Path:
    """Write ``image`` to ``output`` with its provenance embedded (see :func:`output_metadata`)."""
    from facestyle.image.io import save_image

    return save_image(image, output, metadata=output_metadata(settings, content=content, styles=styles, output=output))


@dataclass(frozen=True)
class Embedded:
    """What an output carries: its settings, the raw record of its inputs, the version that wrote it."""

    source: Path
    settings: Settings
    inputs: dict[str, Any]
    version: str | None

    def input_entries(self) -> tuple[Any, list[Any]]:
        """The recorded content entry (None when absent) and style entries, as stored."""
        return self.inputs.get("content"), list(self.inputs.get("styles") or [])

    def resolve(self, entry: dict[str, Any]) -> Path:
        """A recorded input path, relative to the output's folder unless absolute."""
        path = Path(entry["path"])
        return path if path.is_absolute() else self.source.parent / path


def read_embedded(output: str | os.PathLike, *, what: str = "image") -> Embedded:
    """Read the settings and input record embedded in ``output``.

    Raises:
        InputImageError: the file is missing or unreadable, or carries no facestyle settings.
        OptionError: the embedded settings are not valid for this version of facestyle.
    """
    from facestyle.image.io import load_image, read_metadata

    source = Path(output)
    load_image(source, what=what)  # one clear error for a missing or broken file
    metadata = read_metadata(source)
    if not metadata or not isinstance(metadata.get("settings"), dict):
        raise InputImageError(f"'{source}' carries no facestyle settings; only images written by facestyle do")
    settings = settings_from_dict(metadata["settings"], where=f"'{source}'")
    inputs = metadata.get("inputs")
    return Embedded(source, settings, inputs if isinstance(inputs, dict) else {}, metadata.get("facestyle"))


def embedded_config(output: str | os.PathLike) -> str:
    """``output``'s embedded settings and inputs as a config file for ``facestyle run --config``.

    Input paths are written absolute, so the config works from any folder.
    """
    embedded = read_embedded(output)
    content, styles = embedded.input_entries()
    inputs: dict[str, Any] = {}
    if isinstance(content, dict) and isinstance(content.get("path"), str):
        inputs["content"] = str(embedded.resolve(content).resolve())
    style_paths = [str(embedded.resolve(entry).resolve()) for entry in styles if isinstance(entry, dict)]
    if style_paths:
        inputs["style"] = style_paths
    return dumps_toml(embedded.settings, inputs=inputs)


# -- reruns -----------------------------------------------------------------------------------------


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
    embedded = read_embedded(output, what="image to rerun")
    content, styles = embedded.input_entries()
    if content is None or not styles:
        raise InputImageError(
            f"'{embedded.source}' records no input files (written through the Python API?); "
            "run 'facestyle run' again instead"
        )
    return RerunPlan(
        embedded.settings,
        _checked_input(embedded, content, "content image"),
        [_checked_input(embedded, entry, "style image") for entry in styles],
        embedded.version,
    )


def _checked_input(embedded: Embedded, entry: Any, what: str) -> Path:
    output = embedded.source
    if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
        raise InputImageError(f"'{output}' has a damaged record of its {what}; run 'facestyle run' again instead")
    path = embedded.resolve(entry)
    if not path.is_file():
        raise InputImageError(f"{what} '{path}' used to make '{output}' is missing; put it back to rerun")
    if file_sha256(path) != entry.get("sha256"):
        raise InputImageError(
            f"{what} '{path}' has changed since '{output}' was made (its sha256 differs); rerun needs the same file"
        )
    return path
