"""The project's own error types.

Library code raises these; only the command line (and the web layer) turns them into exit codes
or HTTP statuses. Each message is one line that says what went wrong and what to do about it.
"""


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
