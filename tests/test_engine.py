"""End-to-end runs with the real VGG-19 weights on tiny images (a few seconds each)."""

import numpy as np
import pytest
import torch

import facestyle
from facestyle.costs.objective import build_objective
from facestyle.engine import initial_image, resolve_device
from facestyle.errors import InputImageError, OptionError
from facestyle.features.vgg import load_vgg19
from facestyle.image.io import load_image, resize_long_side, to_tensor
from facestyle.optim.schedule import style_side, upscale_result
from facestyle.settings import make_settings
from tests.conftest import DATA, read_image


def test_costs_fall_and_the_result_carries_more_style_than_the_photo(face_path, style_path):
    events = []
    result = facestyle.stylize(face_path, style_path, size=64, steps=15, progress=events.append)
    assert result.image.size == resize_long_side(load_image(face_path), 64).size  # aspect kept: 48×64
    assert [e.step for e in events] == list(range(1, len(result.history) + 1))
    first, last = result.history[0]["total"], result.history[-1]["total"]
    assert last < 0.5 * first

    # Measure the style cost of the content photo itself with the same objective.
    settings = result.settings
    encoder = load_vgg19(last_layer="relu5_1")
    content = to_tensor(resize_long_side(load_image(face_path), 64))
    style = to_tensor(resize_long_side(load_image(style_path), 64))
    criterion = build_objective(encoder, content, [style], settings)
    with torch.no_grad():
        photo_style = criterion(content)["style"].item()
        result_style = criterion(to_tensor(result.image))["style"].item()
    assert result_style < 0.5 * photo_style


def test_report_recipe_runs_and_its_j_falls(face_path, style_path):
    result = facestyle.stylize(face_path, style_path, recipe="report", size=48, steps=30)
    assert result.settings.optimizer == "adam" and result.settings.content_layer == "relu5_4"
    assert result.history[-1]["total"] < result.history[0]["total"]


def test_same_seed_same_image_bit_for_bit(face_path, style_path):
    options = dict(size=40, steps=4, optimizer="adam", init="content+noise", seed=7)
    first = facestyle.stylize(face_path, style_path, **options).image
    second = facestyle.stylize(face_path, style_path, **options).image
    other = facestyle.stylize(face_path, style_path, **{**options, "seed": 8}).image
    assert np.array_equal(np.asarray(first), np.asarray(second))
    assert not np.array_equal(np.asarray(first), np.asarray(other))


def test_accepts_pil_images_and_intermediate_images(face_path, style_path):
    rendered = []
    facestyle.stylize(
        read_image(face_path), read_image(style_path), size=32, steps=2,
        progress=lambda event: rendered.append(event.image()),
    )
    assert len(rendered) == 2 and rendered[0].size == (24, 32)


def test_initialisations():
    content = torch.full((1, 3, 8, 8), 0.5)
    generator = torch.Generator().manual_seed(0)
    assert torch.equal(initial_image(content, make_settings(init="content"), generator), content)
    noisy = initial_image(content, make_settings(init="content+noise", noise=0.25), generator)
    assert 0 < (noisy - content).abs().max() <= 0.25
    noise = initial_image(content, make_settings(init="noise"), generator)
    assert noise.min() >= 0 and noise.max() <= 1 and noise.std() > 0.2


def test_residual_upscale_keeps_the_finer_photos_detail():
    # A sharp photo (a fine checkerboard) that the coarse scale cannot hold, and a coarse result
    # that painted a constant +0.1 over its blurred photo.
    fine = torch.zeros(1, 3, 16, 16)
    fine[..., ::2, ::2] = fine[..., 1::2, 1::2] = 0.8
    coarse = torch.nn.functional.avg_pool2d(fine, 2)
    result = coarse + 0.1
    residual = upscale_result(result, coarse, fine, "residual")
    torch.testing.assert_close(residual, (fine + 0.1).clamp(0, 1))
    blurred = upscale_result(result, coarse, fine, "image")
    assert blurred.shape == fine.shape
    assert (blurred - fine).abs().mean() > 0.3  # the checkerboard is gone
    with pytest.raises(OptionError, match="upscale"):
        make_settings(upscale="nearest")


def test_bad_inputs_raise_project_errors(tmp_path, style_path):
    with pytest.raises(InputImageError, match="content image"):
        facestyle.stylize(tmp_path / "missing.jpg", style_path, size=32, steps=1)
    with pytest.raises(OptionError, match="unknown optimizer"):
        facestyle.stylize(style_path, style_path, optimizer="sgd")


def test_cuda_without_a_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(OptionError, match="no CUDA GPU"):
        resolve_device("cuda")
    assert resolve_device("auto").type == "cpu"


def _pixels(image):
    return np.asarray(image)


def test_blend_one_zero_is_the_first_style_alone(face_path, style_path):
    options = dict(size=40, steps=4)
    single = facestyle.stylize(face_path, style_path, **options)
    blended = facestyle.stylize(face_path, [style_path, face_path], style_blend=(1, 0), **options)
    other = facestyle.stylize(face_path, [style_path, face_path], style_blend=(0.5, 0.5), **options)
    assert np.array_equal(_pixels(single.image), _pixels(blended.image))
    assert not np.array_equal(_pixels(single.image), _pixels(other.image))


def test_blended_gram_targets_are_the_weighted_mean(face_path, style_path):
    encoder = load_vgg19(last_layer="relu5_1")
    content = to_tensor(resize_long_side(load_image(face_path), 40))
    first = to_tensor(resize_long_side(load_image(style_path), 40))
    second = to_tensor(resize_long_side(load_image(face_path), 40))
    settings = make_settings()
    targets = [build_objective(encoder, content, [s], settings).style_losses for s in (first, second)]
    mixed = build_objective(encoder, content, [first, second], settings.replace(style_blend=(7, 3))).style_losses
    for a, b, m in zip(*targets, mixed):
        assert torch.allclose(m.target, 0.7 * a.target + 0.3 * b.target, rtol=1e-5, atol=1e-6)


def test_blend_needs_one_weight_per_style(face_path, style_path):
    with pytest.raises(OptionError, match="3 weights for 2 style images"):
        facestyle.stylize(face_path, [style_path, style_path], style_blend=(1, 1, 1), size=32, steps=1)
    with pytest.raises(OptionError, match="at least one"):
        facestyle.stylize(face_path, [], size=32, steps=1)


def test_style_scale_resizes_the_style_image(face_path, style_path, monkeypatch):
    from facestyle import engine

    seen = []
    real = engine.build_objective

    def spy(encoder, content, styles, settings, **kwargs):
        seen.append(max(styles[0].shape[-2:]))
        return real(encoder, content, styles, settings, **kwargs)

    monkeypatch.setattr(engine, "build_objective", spy)
    results = {}
    for scale in (0.5, 2.0):
        results[scale] = facestyle.stylize(face_path, style_path, size=48, steps=2, scales=1, style_scale=scale)
    assert seen == [24, 96]
    assert not np.array_equal(_pixels(results[0.5].image), _pixels(results[2.0].image))
    assert style_side(make_settings(size=512, style_scale=0.01 * 20), 128) == 26
    assert style_side(make_settings(size=512, style_scale=0.125), 128) == 16  # never under 16 px


def test_strength_multiplies_beta(face_path, style_path):
    options = dict(size=40, steps=5)
    doubled = facestyle.stylize(face_path, style_path, strength=2.0, **options)
    same = facestyle.stylize(face_path, style_path, beta=2.0 * facestyle.Settings.beta, **options)
    assert np.array_equal(_pixels(doubled.image), _pixels(same.image))
    row = doubled.history[-1]
    assert row["total"] == pytest.approx(row["content"] + 2.0 * facestyle.Settings.beta * row["style"], rel=1e-4)
    weak = facestyle.stylize(face_path, style_path, strength=0.2, **options).final_costs
    strong = facestyle.stylize(face_path, style_path, strength=5.0, **options).final_costs
    assert strong["style"] < weak["style"] and strong["content"] > weak["content"]


def test_the_saved_image_has_the_cost_the_run_reports():
    # L-BFGS keeps the pixels in [0, 1], so clipping the result for saving changes nothing but the
    # 8-bit rounding. Unbounded, this run's saved image measured 5 % above the reported J.
    content, style = DATA / "face_koch_256.jpg", DATA / "style_vermeer_256.jpg"
    result = facestyle.stylize(content, style, size=64, steps=60, scales=1, objective="report")
    measured = facestyle.measure_costs(content, style, result.image, size=64, objective="report")["total"]
    assert measured == pytest.approx(result.final_costs["total"], rel=0.002)


def test_a_bf16_scale_whose_line_search_stalls_finishes_in_float32(face_path, style_path, monkeypatch):
    # Late in a long bf16 run the line search can fail on rounding noise; the scale then goes on
    # in float32 instead of stopping there. A float32 scale that stalls stops.
    import dataclasses

    from facestyle import engine
    from facestyle.optim import optimizers as optim

    made, dtypes = [], []

    class StallsAtItsThirdStep(optim.LBFGS):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.steps_taken = 0
            made.append(self)

        def step(self, evaluate):
            result = super().step(evaluate)
            self.steps_taken += 1
            first = self is made[0]
            return dataclasses.replace(result, converged=True) if first and self.steps_taken == 3 else result

    real_encoder = engine.load_encoder

    def spy(settings, device, *, exact=False):
        encoder = real_encoder(settings, device, exact=exact)
        dtypes.append(encoder.compute_dtype)
        return encoder

    monkeypatch.setattr(engine, "make_optimizer", lambda name, image, *, lr, bounds=None: StallsAtItsThirdStep(
        image, lr=lr, bounds=bounds))
    monkeypatch.setattr(engine, "load_encoder", spy)
    options = dict(size=32, steps=8, scales=1, face_aware=False)
    bf16 = facestyle.stylize(face_path, style_path, precision="bf16", **options)
    assert dtypes == [torch.bfloat16, None]  # the float32 encoder is loaded when the scale stalls
    assert len(made) == 2 and len(bf16.history) == 8
    made.clear()
    dtypes.clear()
    fp32 = facestyle.stylize(face_path, style_path, precision="fp32", **options)
    assert dtypes == [None] and len(made) == 1
    assert len(fp32.history) == 3
