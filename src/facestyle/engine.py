"""The stylisation engine: images in, a stylised image and its cost history out.

The data flow reads top to bottom in :func:`stylize`: load and resize the images, build the VGG
encoder, compute the targets, initialise G, optimise, return the image. The engine never prints,
never owns a progress bar and never writes files; it reports through a ``progress`` callback that
receives a :class:`Progress` event after every step, and the CLI and web layers decide what to
show or save.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import torch
from PIL import Image

from .errors import OptionError
from .imageio import ImageSource, load_image, resize_long_side, resize_to, to_pil, to_tensor
from .objective import build_objective
from .optim import make_optimizer
from .settings import Settings, make_settings
from .vgg import LAYER_NAMES, load_vgg19


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

    @property
    def final_costs(self) -> dict[str, float]:
        return {k: v for k, v in self.history[-1].items() if k not in ("step", "seconds")} if self.history else {}

    def metadata(self) -> dict[str, Any]:
        """What is embedded in a saved output: the settings plus facestyle's version."""
        from . import __version__

        return {"facestyle": __version__, "settings": self.settings.to_dict()}


def resolve_device(name: str) -> torch.device:
    """``auto`` → CUDA when available, else CPU. Raises OptionError for CUDA on a machine without it."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise OptionError("device 'cuda' was asked for but no CUDA GPU is available; use --device cpu")
    return torch.device(name)


def stylize(
    content: ImageSource,
    style: ImageSource,
    settings: Settings | None = None,
    *,
    progress: ProgressCallback | None = None,
    recipe: str | None = None,
    objective: str | None = None,
    **options: Any,
) -> Result:
    """Paint ``content`` (a face photo) in the style of ``style`` (a painting).

    Args:
        content: path, bytes or PIL image of the photo.
        style: path, bytes or PIL image of the painting or drawing.
        settings: a full :class:`Settings`; ``options`` override single fields of it (or of the
            defaults), e.g. ``size=256, steps=100, optimizer="adam"``.
        progress: called with a :class:`Progress` after every step.
        recipe: ``"report"`` for the report's objective and optimisation.
        objective: ``"report"`` for the report's objective with facestyle's optimisation.

    Returns:
        :class:`Result` with the PIL image (the size of the resized content photo) and the history.

    Raises:
        InputImageError, OptionError, WeightsError: bad inputs, options or weights.
    """
    settings = make_settings(recipe=recipe, objective=objective, base=settings, **options)
    started = time.perf_counter()
    device = resolve_device(settings.device)
    content_image = resize_long_side(load_image(content, what="content image"), settings.size)
    style_image = resize_long_side(load_image(style, what="style image"), settings.style_size or settings.size)

    generator = torch.Generator().manual_seed(settings.seed)
    torch.manual_seed(settings.seed)
    deepest = max([settings.content_layer, *(name for name, _ in settings.active_style_layers())], key=LAYER_NAMES.index)
    encoder = load_vgg19(
        weights=settings.weights,
        last_layer=deepest,
        padding=settings.padding,
        pooling=settings.pooling,
        device=device,
    )
    content_tensor = to_tensor(content_image).to(device)
    style_tensor = to_tensor(style_image).to(device)
    criterion = build_objective(encoder, content_tensor, [style_tensor], settings)

    image = initial_image(content_tensor, settings, generator).requires_grad_(True)
    optimizer = make_optimizer(settings.optimizer, image, lr=settings.learning_rate)

    def evaluate() -> dict[str, torch.Tensor]:
        costs = criterion(image)
        costs["total"].backward()
        return {name: value.detach() for name, value in costs.items()}

    history: list[dict[str, float]] = []
    for step in range(1, settings.steps + 1):
        result = optimizer.step(evaluate)
        names = list(result.costs)
        values = torch.stack([result.costs[name].detach().float() for name in names]).tolist()
        costs = dict(zip(names, values))
        elapsed = time.perf_counter() - started
        history.append({"step": step, "seconds": elapsed, **costs})
        if progress is not None:
            progress(
                Progress(
                    step=step,
                    total_steps=settings.steps,
                    costs=costs,
                    elapsed=elapsed,
                    size=content_image.size,
                    evaluations=result.evaluations,
                    _render=lambda: to_pil(image.detach().clamp(0, 1)),
                )
            )
        if result.converged:
            break

    output = resize_to(to_pil(image.detach()), content_image.size)
    return Result(
        image=output,
        history=history,
        settings=settings,
        seconds=time.perf_counter() - started,
        device=str(device),
    )


def initial_image(content: torch.Tensor, settings: Settings, generator: torch.Generator) -> torch.Tensor:
    """G at step 0: the content photo, uniform noise, or the photo plus U(−noise, noise) clipped to [0, 1].

    ``content+noise`` is what the report's course code did (noise ±0.25 on a [0, 1] image).
    """
    if settings.init == "content":
        return content.detach().clone()
    noise = torch.rand(content.shape, generator=generator).to(content.device)
    if settings.init == "noise":
        return noise
    return (content + (noise * 2 - 1) * settings.noise).clamp(0, 1)
