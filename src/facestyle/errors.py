"""The project's own error types.

Library code raises these; only the command line (and the web layer) turns them into exit codes
or HTTP statuses. Each message is one line that says what went wrong and what to do about it.
"""

from __future__ import annotations

import difflib
from typing import Iterable


class FacestyleError(Exception):
    """Base class for every error facestyle reports to a user."""


class InputImageError(FacestyleError):
    """An input image is missing, unreadable, truncated, too small or too large."""


class OptionError(FacestyleError, ValueError):
    """An option has a value facestyle cannot use."""


class WeightsError(FacestyleError):
    """A weights file is missing or is not the file facestyle expects."""


class OutputError(FacestyleError):
    """The output cannot be written where the user asked."""


class Cancelled(FacestyleError):
    """Raised from a progress callback to stop a run early; the engine lets it propagate."""


def did_you_mean(value: object, choices: Iterable[str], *, otherwise: str = "") -> str:
    """A hint for an unknown ``value``: ``"did you mean 'x'?"`` for the closest of ``choices``.

    Returns ``otherwise`` when nothing is close, so callers can list the valid choices instead.
    """
    close = difflib.get_close_matches(str(value), list(choices), n=1)
    return f"did you mean '{close[0]}'?" if close else otherwise
