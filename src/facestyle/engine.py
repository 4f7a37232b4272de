"""The stylisation engine: images in, a stylised image and its cost history out.

The data flow reads top to bottom: :func:`stylize` loads and resizes the images and analyses the
faces once; a one-pass method (``fast``, ``adain``) paints in :mod:`facestyle.fast`; ``gatys``
goes scale by scale (:func:`_optimise`): the images at that size, the face stage's masks at that
size, the VGG targets and J built from them, G started from the coarser result, then the
optimiser's steps. The engine never prints, never owns a progress bar and never writes files; it
reports through a ``progress`` callback (:mod:`facestyle.events`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from PIL import Image

from facestyle.costs.objective import Objective, blend_weights, build_objective
from facestyle.costs.texture import build_texture_objective
from facestyle.costs.tiled import TiledObjective
from facestyle.errors import OptionError
from facestyle.events import Progress, ProgressCallback, Result
from facestyle.faces.analysis import NO_FACE_NOTICE, FaceAnalysis, analyse_quick_cached
from facestyle.faces.guide import FaceGuide, analyse_pair, face_masks
from facestyle.fast.paint import paint_one_pass
from facestyle.features.encoder import load_encoder, precision_notice
from facestyle.features.vgg import VGG19Features
from facestyle.image import color
from facestyle.image.io import (
    ImageSource,
    load_image,
    resize_long_side,
    resize_to,
    size_at_long_side,
    to_pil,
    to_tensor,
)
from facestyle.optim.backproject import CompositionHold, HeldObjective
from facestyle.optim.optimizers import make_optimizer
from facestyle.optim.schedule import (
    Scale,
    ScheduleClock,
    run_schedule,
    scale_costs,
    settled,
    style_side,
    upscale_result,
)
from facestyle.optim.start import initial_image
from facestyle.settings import ONE_PASS_METHODS, Settings, make_settings
from facestyle.sizing import check_size

#: L-BFGS pairs kept on a texture scale (the composition scales keep the optimiser's default).
TEXTURE_HISTORY = 10

#: What a scale's optimiser evaluates: J, or a texture scale's J tiled and held to the composition.
Criterion = Objective | TiledObjective | HeldObjective
#: Further terms of J per scale: (encoder, content, styles, masks) → [(name, term, weight)].
ExtraTerms = Callable[[VGG19Features, torch.Tensor, list[torch.Tensor], Any], Sequence[tuple[str, Any, float]]]


def resolve_device(name: str) -> torch.device:
    """``auto`` → CUDA when available, else CPU. Raises OptionError for CUDA on a machine without it."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise OptionError("device 'cuda' was asked for but no CUDA GPU is available; use --device cpu")
    return torch.device(name)


def stylize(
    content: ImageSource,
    style: ImageSource | Sequence[ImageSource],
    settings: Settings | None = None,
    *,
    progress: ProgressCallback | None = None,
    recipe: str | None = None,
    objective: str | None = None,
    face_guide: FaceGuide | None = None,
    fast_preview: bool = False,
    extra_terms: ExtraTerms | None = None,
    **options: Any,
) -> Result:
    """Paint ``content`` (a face photo) in the style of ``style`` (a painting).

    Args:
        content: path, bytes or PIL image of the photo.
        style: path, bytes or PIL image of the painting or drawing, or a list of them whose Gram
            targets are blended with ``style_blend`` (equal weights when not given).
        settings: a full :class:`Settings`; ``options`` override single fields of it (or of the
            defaults), e.g. ``size=256, steps=100, optimizer="adam", method="adain"``,
            ``strength=2``, ``style_blend=(0.7, 0.3)``, ``preserve_color="luminance"``.
        progress: called with a :class:`Progress` after every step; raise
            :class:`~facestyle.errors.Cancelled` from it to stop the run.
        recipe: ``"report"`` for the report's objective and optimisation.
        objective: ``"report"`` for the report's objective with facestyle's optimisation.
        face_guide: face analyses of the photo and painting at ``settings.size`` from
            :func:`facestyle.faces.guide.analyse_pair`, to skip analysing them again (benchmarks, studio).
        fast_preview: for ``gatys``, first paint the picture with the ``fast`` method (a fraction of
            a second) and report it as a step-0 :class:`Progress`, so a viewer has a picture at once.
        extra_terms: for ``gatys``, called per scale with (encoder, content, styles, masks); the
            (name, term, weight) triples it returns join J (the sketch's patch loss).

    Returns:
        :class:`Result` with the PIL image (the size of the resized content photo) and the history.

    Raises:
        InputImageError, OptionError, WeightsError: bad inputs, options or weights.
    """
    settings = make_settings(recipe=recipe, objective=objective, base=settings, **options)
    started = time.perf_counter()
    device = resolve_device(settings.device)
    if device.type == "cuda":
        # Process-wide switches; TF32 runs convolutions on tensor cores at ~10 bits of mantissa.
        torch.backends.cuda.matmul.allow_tf32 = settings.allow_tf32
        torch.backends.cudnn.allow_tf32 = settings.allow_tf32
    content_image = load_image(content, what="content image", long_side=settings.size)
    size_warnings = tuple(check_size(settings, content_image.size, device=device.type))
    style_images = load_styles(style, settings)
    photo = resize_long_side(content_image, settings.size)
    output_size = photo.size
    one_pass = settings.method in ONE_PASS_METHODS
    # A one-pass network paints the photo at the output size, so it starts from ``photo``: resizing
    # the original again would repeat the work (a tenth of a second for a phone photo).
    # preserve_color: the transfer runs on luminance images, or on recoloured styles (color.py).
    content_image, style_images = color.prepare_inputs(
        photo if one_pass else content_image, style_images, settings.preserve_color
    )
    if progress is not None and settings.preserve_color == "luminance":
        progress = _with_photo_colours(progress, photo)
    history: list[dict[str, float]] = []
    notes: tuple[str, ...] = ()
    if one_pass:
        analysis = None
        if settings.face_aware:
            analysis = face_guide.content if face_guide is not None else analyse_quick_cached(photo)
            notes = () if analysis.has_faces else (NO_FACE_NOTICE,)
        painted = paint_one_pass(content_image, style_images, settings, device, photo=photo, analysis=analysis)
        image = to_tensor(painted)
        if progress is not None:
            elapsed = time.perf_counter() - started
            progress(Progress(1, 1, {}, elapsed, output_size, 0, lambda: painted))
    else:
        guide = face_guide
        quick = None
        if fast_preview and progress is not None:
            # The preview comes first, with the quick analysis a fast run uses: the full analysis of
            # the photo and the painting takes longer than the preview itself.
            if settings.face_aware:
                quick = guide.content if guide is not None else analyse_quick_cached(photo)
            # It paints the photo at the output size, as a one-pass run does.
            preview = color.prepare_inputs(photo, [], settings.preserve_color)[0]
            _report_fast_preview(preview, style_images, settings, device, progress, photo, quick, started)
        if settings.face_aware and guide is None:
            if quick is not None and not quick.faces:
                # The quick analysis of a face-less photo already was the full one.
                guide = FaceGuide(quick, None, (NO_FACE_NOTICE,))
            else:
                guide = _analyse_faces(photo, style_images[0], settings)
        notes = guide.notes if guide is not None else ()
        slow = precision_notice(settings, device)
        notes = (*notes, slow) if slow else notes
        image, history = _optimise(content_image, style_images, settings, device, progress, started, guide,
                                   extra_terms)
    output = color.finish_output(resize_to(to_pil(image), output_size), photo, settings.preserve_color)
    return Result(
        image=output,
        history=history,
        settings=settings,
        seconds=time.perf_counter() - started,
        device=str(device),
        notes=size_warnings + notes,
    )


def _analyse_faces(photo: Image.Image, painting: Image.Image, settings: Settings) -> FaceGuide:
    """The face stage's analysis for a run: the colour photo at the output size (even for a
    luminance-only run: the masks are geometry, and detection is surer in colour) and the first
    painting at the style size, which decides whether the style is a portrait."""
    return analyse_pair(photo, resize_long_side(painting, style_side(settings, settings.size)))


def _report_fast_preview(
    content_image: Image.Image,
    style_images: list[Image.Image],
    settings: Settings,
    device: torch.device,
    progress: ProgressCallback,
    photo: Image.Image,
    analysis: FaceAnalysis | None,
    started: float,
) -> None:
    """Paint with the ``fast`` method and report it as step 0 of the run that follows."""
    fast = settings.replace(method="fast", strength=min(settings.strength, 1.0))
    painted = paint_one_pass(content_image, style_images, fast, device, photo=photo, analysis=analysis)
    elapsed = time.perf_counter() - started
    progress(Progress(0, settings.steps, {}, elapsed, photo.size, 0, lambda: painted))


def _with_photo_colours(progress: ProgressCallback, photo: Image.Image) -> ProgressCallback:
    """Wrap a callback so intermediate images of a luminance-only run show the photo's colours."""

    def relay(event: Progress) -> Any:
        def render(event: Progress = event) -> Image.Image:
            return color.restore_color(event.image(), photo)

        return progress(dataclasses.replace(event, _render=render))

    return relay


def load_styles(style: ImageSource | Sequence[ImageSource], settings: Settings) -> list[Image.Image]:
    """Load one style source or a list of them; checks ``style_blend`` has one weight per style.

    Raises:
        InputImageError: a style image is missing or unreadable.
        OptionError: no style image, or a blend of the wrong length.
    """
    sources = list(style) if isinstance(style, (list, tuple)) else [style]
    if not sources:
        raise OptionError("no style image was given; give at least one")
    blend_weights(settings.style_blend, len(sources))  # fail before loading anything big
    if len(sources) == 1:
        return [load_image(sources[0], what="style image")]
    return [load_image(source, what=f"style image {number}") for number, source in enumerate(sources, 1)]


@dataclass
class _Run:
    """What one optimisation carries from scale to scale."""

    settings: Settings
    device: torch.device
    progress: ProgressCallback | None
    started: float
    schedule: list[Scale]
    encoder: VGG19Features
    clock: ScheduleClock
    output_size: tuple[int, int]
    exact_encoder: VGG19Features | None = None  # float32, loaded if a bf16 scale must finish in it
    history: list[dict[str, float]] = field(default_factory=list)
    step: int = 0

    @property
    def total_steps(self) -> int:
        return sum(scale.steps for scale in self.schedule)


def _optimise(
    content_image: Image.Image,
    style_images: list[Image.Image],
    settings: Settings,
    device: torch.device,
    progress: ProgressCallback | None,
    started: float,
    guide: FaceGuide | None = None,
    extra_terms: ExtraTerms | None = None,
) -> tuple[torch.Tensor, list[dict[str, float]]]:
    """Gatys: minimise J over the pixels of G, coarse to fine along the schedule.

    Per scale: the photo and paintings at that size, the face stage's masks at that size, the
    objective built from them (a texture scale's: shallow layers anchored to the coarser result),
    G started from the coarser result, then the optimiser's steps. A texture scale steps only in
    the band finer than the composition's result, which its result reduces to (optim/backproject.py).
    """
    schedule = run_schedule(settings)
    generator = torch.Generator().manual_seed(settings.seed)
    torch.manual_seed(settings.seed)
    clock = ScheduleClock(schedule, scale_costs(settings, schedule))
    run = _Run(settings, device, progress, started, schedule, load_encoder(settings, device), clock,
               size_at_long_side(content_image.size, settings.size))
    image: torch.Tensor | None = None
    coarse_content: torch.Tensor | None = None
    composition: torch.Tensor | None = None  # the last composition scale's result
    for level, scale in enumerate(schedule):
        content = to_tensor(resize_long_side(content_image, scale.size)).to(device)
        side = style_side(settings, scale.size)
        styles = [to_tensor(resize_long_side(style, side)).to(device) for style in style_images]
        use_faces = guide is not None and settings.face_aware
        masks = face_masks(guide, content.shape[-2:], styles[0].shape[-2:]) if use_faces else None
        coarse = image
        hold = CompositionHold(composition, content.shape) if scale.texture and composition is not None else None

        def objective_with(vgg: VGG19Features) -> Criterion:
            """This scale's J, its targets computed by ``vgg`` (bf16 or float32)."""
            if scale.texture and coarse is not None:
                texture = build_texture_objective(vgg, content, styles, coarse, settings, masks=masks,
                                                  octave=scale.texture)
                tiled = TiledObjective(texture, settings.tile) if 0 < settings.tile < scale.size else texture
                return HeldObjective(tiled, hold) if hold is not None else tiled
            extra = extra_terms(vgg, content, styles, masks) if extra_terms is not None else ()
            return build_objective(vgg, content, styles, settings, masks=masks, extra_terms=extra)

        if image is None:
            image = initial_image(content, settings, generator, style_image=style_images, device=device)
        else:
            assert coarse_content is not None
            image = upscale_result(image, coarse_content, content, settings.upscale)
        image = _optimise_scale(run, level, image, objective_with)
        if hold is not None:
            image = hold.hold(image)
        elif not scale.texture:
            composition = image
        coarse_content = content
    assert image is not None
    return image, run.history


def _optimise_scale(
    run: _Run, level: int, image: torch.Tensor,
    objective_with: Callable[[VGG19Features], Criterion],
) -> torch.Tensor:
    """Run one scale's steps from ``image``; returns the scale's result (1, 3, H, W) in [0, 1].

    The scale ends early when the line search finds no decrease (in float32), or when the
    convergence rule (``stop_tol`` over ``stop_window`` steps) says J no longer falls.
    """
    settings, scale = run.settings, run.schedule[level]
    # The pixels themselves are the variable, kept in [0, 1] by the optimiser, so what is optimised
    # is what is saved.
    pixels = image.detach().clamp(0, 1).clone().contiguous().requires_grad_(True)
    optimizer, evaluate = _optimiser_on(pixels, objective_with(run.encoder), settings, texture=bool(scale.texture))
    in_float32 = run.encoder.compute_dtype is None
    scale_started, totals, evaluations = time.perf_counter(), [], 0
    for done in range(1, scale.steps + 1):
        run.step += 1
        result = optimizer.step(evaluate)
        evaluations += result.evaluations
        names = list(result.costs)
        costs = dict(zip(names, torch.stack([result.costs[name].float() for name in names]).tolist()))
        totals.append(costs["total"])
        _record_step(run, level, pixels, costs, result.evaluations, run.clock.eta(
            level, done, time.perf_counter() - scale_started))
        if result.converged and not in_float32 and not scale.texture:
            # The line search found no decrease in bf16. Late in a long run a step lowers J by
            # less than bf16's rounding moves it, so the search fails on noise, not because the
            # image is converged: finish this scale in float32 (targets recomputed, a fresh
            # curvature history, since the old pairs measured bf16 gradients). A texture scale
            # just ends: float32 at print size would cost twice the time and memory for grain.
            if run.exact_encoder is None:
                run.exact_encoder = load_encoder(settings, run.device, exact=True)
            optimizer, evaluate = _optimiser_on(pixels, objective_with(run.exact_encoder), settings)
            in_float32 = True
            continue
        # A texture scale's budget is evaluations, not steps: an evaluation at print size costs
        # seconds, and the early steps of a held scale often backtrack once, which made the time
        # of a print depend on the painting (BENCHMARKS.md#print-size-portraits).
        spent = scale.texture and evaluations > scale.steps
        if spent or result.converged or settled(totals, settings.stop_window, settings.stop_tol):
            run.step = sum(s.steps for s in run.schedule[: level + 1])  # keep step numbers on the schedule
            break
    with torch.no_grad():
        return pixels.detach().clamp(0, 1)


def _record_step(
    run: _Run, level: int, pixels: torch.Tensor, costs: dict[str, float], evaluations: int, eta: float | None
) -> None:
    """Add a step to the history and report it (the callback may raise Cancelled to stop the run)."""
    scale = run.schedule[level]
    elapsed = time.perf_counter() - run.started
    run.history.append({"step": run.step, "seconds": elapsed, "scale": level, "size": scale.size, **costs})
    if run.progress is None:
        return
    run.progress(
        Progress(
            step=run.step,
            total_steps=run.total_steps,
            costs=costs,
            elapsed=elapsed,
            size=(pixels.shape[-1], pixels.shape[-2]),
            evaluations=evaluations,
            _render=lambda: to_pil(pixels.detach()),
            scale=level,
            scales=len(run.schedule),
            eta=eta,
            output_size=run.output_size,
        )
    )


def _optimiser_on(
    pixels: torch.Tensor, criterion: Criterion, settings: Settings, *, texture: bool = False
) -> tuple[Any, Callable[[], dict[str, torch.Tensor]]]:
    """A fresh optimiser on ``pixels`` (1, 3, H, W), and the evaluation it steps with: J at the
    current image, with ∂J/∂pixels left in ``pixels.grad``. A texture scale keeps a shorter L-BFGS
    history: each pair holds two copies of a print-size image."""

    def evaluate() -> dict[str, torch.Tensor]:
        return criterion.evaluate(pixels)

    history = {"history_size": TEXTURE_HISTORY} if texture and settings.optimizer == "lbfgs" else {}
    optimizer = make_optimizer(settings.optimizer, pixels, lr=settings.learning_rate, bounds=(0.0, 1.0), **history)
    return optimizer, evaluate
