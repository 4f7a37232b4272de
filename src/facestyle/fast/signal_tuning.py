"""Tuning a painting's MicroAST style signal so the fast painting carries more of its marks.

MicroAST's style encoder sees the painting once and hands the decoder 8 vectors of 64 numbers
(:class:`~facestyle.fast.microast.StyleSignal`). Measured with the default objective's style term
(the one the slow method optimises), what the decoder paints from that signal is about 1.7 times
as far from the painting as AdaIN's picture, nearly all of it at relu3_1 and relu4_1 (the brush
and chalk marks). The decoder can paint more of those marks: optimising the signal itself (never
the network) against the same style term, plus a light content term, on a few photos, gives a
signal that paints *other* photos about as close to the painting as AdaIN does
(BENCHMARKS.md#fast-mode, photos the signals were not tuned on). A painting is tuned once (about
80 s on a 2-core CPU); the gallery ships tuned signals
(:mod:`facestyle.fast.signal_store`), and ``facestyle tune`` tunes a user's own painting.

Each step paints a random crop of a photo at the painting's working size (so the marks keep their
scale), measures VGG-19 on it, and moves the signal by Adam along the gradient of
``style + content_weight · content``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
from PIL import Image

from facestyle.costs.losses import StyleLoss, content_cost
from facestyle.errors import OptionError
from facestyle.fast.microast import STYLE_SIDE, MicroAST, StyleSignal, load_microast
from facestyle.fast.signal_store import save_signal
from facestyle.features.encoder import compute_dtype
from facestyle.features.vgg import load_vgg19
from facestyle.image.io import ImageSource, load_image, resize_long_side, to_tensor
from facestyle.settings import STYLE_LAYER_PRESETS

#: The content term's layer, as MicroAST was trained.
CONTENT_LAYER = "relu4_1"
#: Called after every step with (step, steps, style cost of the step).
TuningProgress = Callable[[int, int, float], None]


@dataclass(frozen=True)
class Tuning:
    """How a signal is tuned. The defaults are the ones the gallery's signals were tuned with.

    steps: Adam steps (cosine-decayed learning rate).
    size: long side the photos and the painting are measured at (the fast mode's default size).
    crop: side of the square photo crop painted per step; a quarter of the pixels of 512 px.
    content_weight: weight of the content term (J_content at relu4_1,
        :func:`facestyle.costs.losses.content_cost`) against the style term.
    learning_rate: Adam's step size at the start.
    seed: seeds the crop positions, so a tuning is reproducible.
    """

    steps: int = 150
    size: int = 512
    crop: int = 256
    content_weight: float = 0.04
    learning_rate: float = 0.004
    seed: int = 0

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise OptionError(f"tuning needs at least one step, not {self.steps}")
        if not 32 <= self.crop <= self.size:
            raise OptionError(f"the tuning crop must be between 32 px and the size ({self.size} px), not {self.crop}")


def tune_style(
    painting: ImageSource,
    photos: Sequence[ImageSource],
    *,
    steps: int = Tuning.steps,
    progress: TuningProgress | None = None,
    folder: str | Path | None = None,
) -> Path:
    """Tune ``painting``'s fast-mode signal on ``photos`` and file it where the fast mode finds it.

    From then on ``method="fast"`` (and the faces of ``method="adain"``) paint with the tuned
    signal whenever this painting is the style, in this process and later ones.

    Args:
        painting: path, bytes or PIL image of the painting or drawing.
        photos: paths, bytes or PIL images of one or more face photos to tune on.
        steps: Adam steps; 150 (about 80 s on a 2-core CPU) is what the gallery was tuned with.
        progress: called after every step with (step, steps, style cost).
        folder: where to file it (default :func:`facestyle.fast.signal_store.user_folder`).

    Returns:
        The signal file's path.

    Raises:
        InputImageError: a missing or unreadable image. OptionError: bad steps or no photo.
        OutputError: a folder that cannot be written.
    """
    tuning = Tuning(steps=steps)
    image = load_image(painting, what="style image")
    pictures = [load_image(photo, what=f"photo {number}") for number, photo in enumerate(photos, 1)]
    signal = tune_signal(image, pictures, tuning, progress=progress)
    about = {"painting": _name(painting), "photos": [_name(photo) for photo in photos]}
    return save_signal(signal, image, asdict(tuning), folder=Path(folder) if folder else None, about=about)


def _name(source: ImageSource) -> str:
    return Path(source).name if isinstance(source, (str, Path)) else type(source).__name__


def tune_signal(
    painting: Image.Image,
    photos: Sequence[Image.Image],
    tuning: Tuning = Tuning(),
    *,
    progress: TuningProgress | None = None,
    model: MicroAST | None = None,
) -> StyleSignal:
    """The painting's MicroAST signal, tuned on ``photos`` to paint closer to the painting.

    Args:
        painting: the painting or drawing (RGB).
        photos: one or more RGB photos to paint while tuning (faces, as the signal will be used on).
        tuning: steps, sizes and weights (:class:`Tuning`).
        progress: called after every step with (step, steps, style cost).
        model: a float32 :class:`MicroAST` to tune with (loaded when not given).

    Returns:
        The tuned :class:`StyleSignal` (float32, on the CPU).
    """
    if not photos:
        raise OptionError("tuning a style needs at least one photo to paint; give one or more face photos")
    model = model or load_microast(precision="fp32")
    if model.dtype != torch.float32:
        raise ValueError("tune_signal needs the float32 MicroAST (its gradients)")
    layers = STYLE_LAYER_PRESETS["balanced"]
    names = [name for name, _ in layers]
    vgg = load_vgg19(last_layer="relu5_1", compute_dtype=compute_dtype("auto", torch.device("cpu")))
    vgg.requires_grad_(False)
    with torch.no_grad():
        target = vgg(to_tensor(resize_long_side(painting, tuning.size)), names)
        style_losses = [(weight, StyleLoss.from_features(name, target[name].float())) for name, weight in layers]
    pictures = [to_tensor(resize_long_side(photo, tuning.size)) for photo in photos]
    start = model.style_signal(to_tensor(resize_long_side(painting, min(STYLE_SIDE, max(painting.size)))))
    values = {f.name: getattr(start, f.name).detach().clone().requires_grad_(True) for f in fields(StyleSignal)}
    optimiser = torch.optim.Adam(values.values(), lr=tuning.learning_rate)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, tuning.steps)
    chooser = random.Random(tuning.seed)
    for step in range(1, tuning.steps + 1):
        crop = _random_crop(chooser.choice(pictures), tuning.crop, chooser)
        painted = model.paint(crop, StyleSignal(**values))
        features = vgg(painted, [*names, CONTENT_LAYER])
        style = sum(weight * loss(_float(features)) for weight, loss in style_losses)
        with torch.no_grad():
            content_target = vgg(crop, [CONTENT_LAYER])[CONTENT_LAYER].float()
        content = content_cost(content_target, features[CONTENT_LAYER].float())
        optimiser.zero_grad()
        (style + tuning.content_weight * content).backward()
        optimiser.step()
        schedule.step()
        with torch.no_grad():
            for name in ("std1", "std2"):  # a standard deviation stays positive
                values[name].clamp_(min=1e-3)
        if progress is not None:
            progress(step, tuning.steps, float(style.detach()))
    return StyleSignal(**{name: value.detach() for name, value in values.items()})


def _float(features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {name: value.float() for name, value in features.items()}


def _random_crop(image: torch.Tensor, side: int, chooser: random.Random) -> torch.Tensor:
    """A ``side``×``side`` crop (the whole image along a shorter side)."""
    height, width = image.shape[-2:]
    top = chooser.randrange(max(height - side, 0) + 1)
    left = chooser.randrange(max(width - side, 0) + 1)
    return image[..., top : top + side, left : left + side]
