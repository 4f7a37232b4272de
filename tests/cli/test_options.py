"""The Settings flags are built from the options' declared specs: same names, choices, types and help."""

import argparse

from facestyle.cli import build_parser
from facestyle.cli.options import option_help
from facestyle.settings import OPTION_SPECS


def _run_flags():
    parser = build_parser()
    commands = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    run = commands.choices["run"]
    return {option: action for action in run._actions for option in action.option_strings}


def test_every_settings_flag_offers_what_validation_accepts():
    flags = _run_flags()
    offered = 0
    for spec in OPTION_SPECS.values():
        action = flags.get("--" + spec.name.replace("_", "-"))
        if action is None:
            continue  # an option of the Python API only (padding, pooling, allow_tf32)
        offered += 1
        assert action.dest == spec.name and action.default is None
        if spec.choices and not spec.indexed:
            assert tuple(action.choices) == spec.choices
        if spec.kind in (int, float):
            assert action.type is spec.kind
        assert spec.help in action.help
    assert offered == len(OPTION_SPECS) - 3


def test_help_shows_the_declared_range_and_default():
    assert option_help(OPTION_SPECS["strength"]).endswith("(0..10; fast 0..1; adain 0..1) [1]")
    assert option_help(OPTION_SPECS["face_protect"]).endswith("(0..1) [1]")
    assert option_help(OPTION_SPECS["size"]).endswith("[512]")
    assert option_help(OPTION_SPECS["lr"]).endswith("[adam 0.02, lbfgs 1]")
    assert "[" not in option_help(OPTION_SPECS["preserve_color"])  # no default: colours are transferred
