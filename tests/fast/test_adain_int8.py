"""The int8 AdaIN: the shipped ranges build it, it paints what the float model paints, and the
ranges come from the measurement the script makes."""

import json

import pytest
import torch

from facestyle.fast.adain import load_adain
from facestyle.fast.adain_int8 import (
    RANGES_FILE,
    int8_available,
    measure_ranges,
    quantise_adain,
)
from facestyle.image.io import load_image, resize_long_side, to_tensor

needs_int8 = pytest.mark.skipif(not int8_available(torch.device("cpu")), reason="no fast int8 kernels on this CPU")


def test_int8_is_for_cpus_only():
    assert not int8_available(torch.device("cuda"))


@pytest.fixture(scope="module")
def float_model():
    return load_adain()


@needs_int8
def test_int8_adain_paints_what_the_float_model_paints(float_model, portrait_path, style_path):
    content = to_tensor(load_image(portrait_path))
    style = to_tensor(resize_long_side(load_image(style_path), 128))
    int8 = quantise_adain(float_model)
    reference = float_model(content, float_model.style_statistics(style))
    painted = int8(content, int8.style_statistics(style))
    assert painted.shape == reference.shape == content.shape
    psnr = 10 * torch.log10(1 / (painted - reference).pow(2).mean())
    assert psnr > 24, f"{float(psnr):.1f} dB"
    # Strength 0 decodes the photo's own features: nearer the photo than the full-strength painting.
    plain = int8(content, int8.style_statistics(style), strength=0.0)
    assert (plain - content).abs().mean() < (painted - content).abs().mean()


@needs_int8
def test_ranges_are_measured_per_activation_and_wrong_counts_are_refused(float_model, face_path, style_path):
    photo, painting = to_tensor(load_image(face_path)), to_tensor(load_image(style_path))
    ranges = measure_ranges(float_model, [photo], [painting])
    shipped = json.loads(RANGES_FILE.read_text())
    assert {name: len(values) for name, values in ranges.items()} == {name: len(v) for name, v in shipped.items()}
    assert all(low <= 0 <= high and high > 0 for values in ranges.values() for low, high in values)
    quantise_adain(float_model, ranges)  # any measured ranges build a model
    with pytest.raises(ValueError, match="measure them again"):
        quantise_adain(float_model, {"encoder": ranges["encoder"][:-1], "decoder": ranges["decoder"]})


@pytest.mark.slow
@needs_int8
def test_the_shipped_ranges_are_those_the_script_measures():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "adain_int8_ranges.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
