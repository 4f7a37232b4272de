"""Tuned style signals on disk: the gallery's are found for its paintings, and only for them."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from facestyle.errors import OptionError
from facestyle.fast import paint
from facestyle.fast.microast import StyleSignal, cached_microast
from facestyle.fast.signal_store import find_signal, load_signal, save_signal
from facestyle.image.io import load_image, pixel_digest
from facestyle.web.gallery import PAINTINGS


def _gallery(painting_id):
    return load_image(next(p for p in PAINTINGS if p.id == painting_id).read_bytes())


def _signal(value: float) -> StyleSignal:
    return StyleSignal(*(torch.full((1, 64, 1, 1), value + i) for i in range(8)))


@pytest.mark.parametrize("painting", PAINTINGS, ids=lambda p: p.id)
def test_every_gallery_painting_has_its_tuned_signal(painting):
    image = load_image(painting.read_bytes())
    signal = find_signal(image)
    assert signal is not None and signal.mean1.shape == (1, 64, 1, 1)
    assert torch.isfinite(signal.weight2).all() and (signal.std1 > 0).all()
    # The fast mode paints with it.
    model = cached_microast(None, "cpu", "auto")
    assert torch.equal(paint.style_signal(model, image, 256).bias2, signal.bias2)


def test_a_gallery_painting_decoded_a_level_apart_still_finds_its_signal():
    image = _gallery("starry-night")
    pixels = np.asarray(image, dtype=np.int16)
    jitter = np.random.default_rng(0).integers(-1, 2, pixels.shape)
    nearly = Image.fromarray(np.clip(pixels + jitter, 0, 255).astype(np.uint8))
    assert pixel_digest(nearly) != pixel_digest(image)
    assert torch.equal(find_signal(nearly).mean2, find_signal(image).mean2)


def test_an_edited_painting_is_not_the_tuned_one():
    image = _gallery("starry-night")
    brighter = Image.fromarray(np.clip(np.asarray(image, dtype=np.int16) + 12, 0, 255).astype(np.uint8))
    cropped = image.crop((0, 0, image.width - 1, image.height))
    for edited in (brighter, cropped, image.convert("L").convert("RGB")):
        assert find_signal(edited) is None
    # ... so the fast mode measures its signal instead.
    model = cached_microast(None, "cpu", "auto")
    assert not torch.equal(paint.style_signal(model, brighter, 256).bias2, find_signal(image).bias2)


def test_a_saved_signal_loads_back_and_is_found_for_its_painting(tmp_path, monkeypatch):
    monkeypatch.setenv("FACESTYLE_SIGNALS", str(tmp_path))
    painting = Image.new("RGB", (40, 30), (200, 120, 40))
    path = save_signal(_signal(0.5), painting, {"steps": 1})
    assert path == tmp_path / f"{pixel_digest(painting)}.json" and not list(tmp_path.glob("*.part"))
    loaded = load_signal(path)
    assert torch.allclose(loaded.bias2, torch.full((1, 64, 1, 1), 7.5))
    assert torch.equal(find_signal(painting).std1, loaded.std1)
    # Tuning it again replaces the file, and the lookup sees the new one.
    save_signal(_signal(2.0), painting, {"steps": 1})
    assert float(find_signal(painting).mean1[0, 0]) == 2.0


@pytest.mark.parametrize(
    "content",
    ["not json", json.dumps({"format": "other"}), json.dumps({"format": "facestyle-style-signal/1", "signal": {}})],
)
def test_a_damaged_signal_file_is_a_one_line_error(tmp_path, content):
    path = tmp_path / "broken.json"
    path.write_text(content)
    with pytest.raises(OptionError, match="not a facestyle style signal.*tune the painting again"):
        load_signal(path)
