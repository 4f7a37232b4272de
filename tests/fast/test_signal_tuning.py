"""Tuning a painting's MicroAST signal: it paints closer to the painting, reproducibly, and is filed."""

import json

import pytest
import torch

import facestyle
from facestyle.costs.losses import StyleLoss
from facestyle.errors import InputImageError, OptionError
from facestyle.fast.microast import STYLE_SIDE, load_microast
from facestyle.fast.signal_store import find_signal, load_signal
from facestyle.fast.signal_tuning import Tuning, tune_signal
from facestyle.features.vgg import load_vgg19
from facestyle.image.io import load_image, resize_long_side, to_tensor
from facestyle.settings import STYLE_LAYER_PRESETS
from tests.conftest import DATA

PHOTO = DATA / "face_koch_256.jpg"
PAINTING = DATA / "style_vermeer_256.jpg"
SMALL = Tuning(steps=12, size=128, crop=128, learning_rate=0.02)


def _style_distance(image: torch.Tensor, painting) -> float:
    """The default objective's style term against the painting, as the tuning measures it."""
    vgg = load_vgg19(last_layer="relu5_1")
    layers = STYLE_LAYER_PRESETS["balanced"]
    names = [name for name, _ in layers]
    target = vgg(to_tensor(resize_long_side(painting, SMALL.size)), names)
    features = vgg(image, names)
    return float(sum(weight * StyleLoss.from_features(name, target[name])(features) for name, weight in layers))


def test_a_tuned_signal_paints_the_photo_closer_to_the_painting():
    painting, photo = load_image(PAINTING), load_image(PHOTO)
    model = load_microast(precision="fp32")
    costs = []
    tuned = tune_signal(painting, [photo], SMALL, model=model, progress=lambda s, n, cost: costs.append((s, n)))
    assert costs[-1] == (SMALL.steps, SMALL.steps) and len(costs) == SMALL.steps
    plain = model.style_signal(to_tensor(resize_long_side(painting, STYLE_SIDE)))
    content = to_tensor(resize_long_side(photo, SMALL.size))
    with torch.no_grad():
        before = _style_distance(model(content, plain), painting)
        after = _style_distance(model(content, tuned), painting)
    assert after < 0.85 * before


def test_tuning_is_reproducible_and_moves_every_part_of_the_signal():
    painting, photo = load_image(PAINTING), load_image(PHOTO)
    model = load_microast(precision="fp32")
    tiny = Tuning(steps=3, size=96, crop=64)
    first, second = (tune_signal(painting, [photo], tiny, model=model) for _ in range(2))
    plain = model.style_signal(to_tensor(resize_long_side(painting, STYLE_SIDE)))
    for name in ("mean1", "std1", "mean2", "std2", "weight1", "bias1", "weight2", "bias2"):
        assert torch.equal(getattr(first, name), getattr(second, name))
        assert not torch.equal(getattr(first, name), getattr(plain, name))
    assert (first.std1 > 0).all() and (first.std2 > 0).all()


def test_tune_style_files_the_signal_where_the_fast_mode_finds_it(tmp_path):
    painting = load_image(PAINTING)
    assert find_signal(painting) is None
    path = facestyle.tune_style(PAINTING, [PHOTO], steps=2, folder=tmp_path)
    record = json.loads(path.read_text())
    assert path.parent == tmp_path and record["about"] == {"painting": PAINTING.name, "photos": [PHOTO.name]}
    assert record["tuning"]["steps"] == 2 and record["painting_size"] == list(painting.size)
    assert load_signal(path).std1.shape == (1, 64, 1, 1)
    # The default folder is the user's ($FACESTYLE_SIGNALS here), where the lookup searches.
    default = facestyle.tune_style(PAINTING, [PHOTO], steps=2)
    assert torch.equal(find_signal(painting).mean1, load_signal(default).mean1)
    assert find_signal(painting.convert("L").convert("RGB")) is None


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: facestyle.tune_style(PAINTING, [], steps=2), OptionError, "at least one photo"),
        (lambda: facestyle.tune_style(PAINTING, [PHOTO], steps=0), OptionError, "at least one step"),
        (lambda: facestyle.tune_style(DATA / "missing.jpg", [PHOTO], steps=2), InputImageError, "style image"),
        (lambda: facestyle.tune_style(PAINTING, [b"not an image"], steps=2), InputImageError, "photo 1"),
    ],
)
def test_tune_style_rejects_bad_input_before_tuning(call, error, words):
    with pytest.raises(error, match=words):
        call()


@pytest.mark.slow
def test_the_shipped_gallery_signal_is_what_the_script_tunes():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "tune_gallery_signals.py"
    done = subprocess.run([sys.executable, str(script), "--check", "vangogh-sien-drawing"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "vangogh-sien-drawing: largest difference" in done.stdout
