"""What a run reports while it paints (:class:`Progress`) and what it returns (:class:`Result`).

The engine never prints, never owns a progress bar and never writes files: it calls a
``progress`` callback with a :class:`Progress` after every step, and the command line, the studio
and the studies decide what to show or save.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from PIL import Image

from facestyle.settings import Settings


@dataclass(frozen=True)
class Progress:
    """One finished optimisation step.

    ``costs`` are floats keyed like the objective's terms (``total``, ``content``, ``style``,
    ``style.relu1_1``…). ``image()`` renders the current G as a PIL image when a caller wants one
    (it copies from the device, so call it only when needed).
    """

    step: int
    total_steps: int
    costs: dict[str, float]
    elapsed: float
    size: tuple[int, int]
    evaluations: int
    _render: Callable[[], Image.Image] = field(repr=False, compare=False)
    scale: int = 0
    scales: int = 1
    #: Seconds the run has left at most (every scheduled step), once a step has been timed.
    eta: float | None = None
    #: (width, height) of the finished image; None when it is ``size``.
    output_size: tuple[int, int] | None = None

    def image(self) -> Image.Image:
        return self._render()


ProgressCallback = Callable[[Progress], Any]


@dataclass
class Result:
    """A finished stylisation: the image (the content photo's aspect ratio), costs per step, settings."""

    image: Image.Image
    history: list[dict[str, float]]
    settings: Settings
    seconds: float
    device: str
    #: Things the user should be told once, e.g. that no face was found.
    notes: tuple[str, ...] = ()

    @property
    def final_costs(self) -> dict[str, float]:
        return {k: v for k, v in self.history[-1].items() if k not in ("step", "seconds")} if self.history else {}

    def metadata(self) -> dict[str, Any]:
        """What is embedded in a saved output: the settings plus facestyle's version (the inputs are
        added by whoever knows their paths: :func:`facestyle.config.output_metadata`)."""
        from facestyle import __version__

        return {"facestyle": __version__, "settings": self.settings.to_dict()}
