"""MicroAST: verified weights, strict loading, the CPU rewrites against plain convs, the signal and strength."""

from __future__ import annotations

import shutil

import pytest
import torch
import torch.nn.functional as F

from facestyle.errors import OptionError, WeightsError
from facestyle.fast.microast import (
    MicroAST,
    StyleSignal,
    load_microast,
)
from facestyle.features.weights import load_microast_state_dicts as load_state_dicts
from facestyle.features.weights import microast_file
from facestyle.features.weights import microast_folder as weights_folder
from facestyle.image.io import to_tensor
from tests.conftest import DATA, read_image


@pytest.fixture(scope="module")
def model() -> MicroAST:
    return load_microast(precision="fp32")


@pytest.fixture(scope="module")
def photo() -> torch.Tensor:
    return to_tensor(read_image(DATA / "face_koch_256.jpg").resize((72, 96)))


@pytest.fixture(scope="module")
def signal(model) -> StyleSignal:
    return model.style_signal(to_tensor(read_image(DATA / "style_vermeer_256.jpg").resize((64, 74))))


def test_every_key_of_every_file_loads_strictly(model):
    for part, state_dict in load_state_dicts().items():
        assert set(getattr(model, part).state_dict()) == set(state_dict), part


def test_a_corrupted_weights_file_raises_weights_error(tmp_path):
    folder = tmp_path / "microast"
    shutil.copytree(weights_folder(), folder)
    target = folder / microast_file("modulator")
    target.chmod(0o644)
    data = bytearray(target.read_bytes())
    data[-1] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="modulator weights .* sha256"):
        load_state_dicts(folder)


def test_a_missing_weights_file_raises_weights_error(tmp_path):
    with pytest.raises(WeightsError, match="not found"):
        load_microast(tmp_path)


def test_unknown_precision_is_an_option_error():
    with pytest.raises(OptionError, match="bf16"):
        load_microast(precision="bf61")


def test_output_has_the_input_size_and_range(model, signal, photo):
    odd = photo[..., :93, :71]
    out = model(odd, signal)
    assert out.shape == odd.shape
    assert out.dtype == torch.float32
    assert 0.0 <= float(out.min()) and float(out.max()) <= 1.0
    assert float(out.std()) > 0.02  # a picture, not a flat colour


def test_a_cached_signal_gives_the_same_picture(model, signal, photo):
    first = model(photo, signal)
    again = model(photo, signal)
    assert torch.equal(first, again)
    rebuilt = StyleSignal.blend([signal], [1.0])
    assert torch.allclose(model(photo, rebuilt), first)


def test_strength_zero_is_the_photos_own_signal_and_near_the_photo(model, signal, photo):
    own = model.style_signal(photo)
    zero = model(photo, signal, 0.0)
    assert torch.allclose(zero, model(photo, own), atol=1e-6)
    assert torch.allclose(zero, model(photo, signal, 0.0, photo_signal=own), atol=1e-6)
    full = model(photo, signal, 1.0)
    half = model(photo, signal, 0.5)
    error = [float(((x - photo) ** 2).mean()) for x in (zero, half, full)]
    assert error[0] < error[1] < error[2]
    with pytest.raises(ValueError, match="strength"):
        model(photo, signal, 1.5)


def test_folded_filter_modulation_equals_the_papers_formula(model):
    block = model.decoder.dec1
    x = torch.randn(1, 64, 11, 9)
    weight, bias = torch.randn(1, 64, 1, 1), torch.randn(1, 64, 1, 1)
    with torch.inference_mode():
        hidden = F.relu(weight * block.conv1(x) + bias * x)
        expected = x + weight * block.conv2(hidden) + bias * hidden
        assert torch.allclose(block(x, block.fold(weight, bias)), expected, atol=1e-4)


@pytest.mark.parametrize("height, width", [(12, 10), (13, 10)])
def test_blocked_last_conv_equals_the_plain_conv(model, height, width):
    last = model.decoder.dec3[-1]
    x = torch.randn(1, 16, height, width).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        plain = last.conv_layer(F.pad(x, (4, 4, 4, 4), mode="reflect"))
        assert torch.allclose(last(x), plain, atol=1e-4)


@pytest.mark.parametrize("position", [1, 6])
@pytest.mark.parametrize("height, width", [(10, 8), (7, 5), (2, 3), (1, 4)])
def test_upsampling_convs_equal_upsample_then_plain_conv(model, position, height, width):
    stage = model.decoder.dec3[position]
    x = torch.randn(1, stage.conv_layer.in_channels, height, width).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        upsampled = F.interpolate(x, scale_factor=2, mode="bilinear")
        plain = stage.conv_layer(F.pad(upsampled, (1, 1, 1, 1), mode="reflect"))
        assert stage(x).shape == plain.shape
        assert torch.allclose(stage(x), plain, atol=1e-5)


def test_upsampling_conv_passes_gradients_like_the_plain_conv_after_painting(model):
    stage = model.decoder.dec3[6]
    with torch.inference_mode():
        stage(torch.randn(1, 32, 6, 5))  # a painting first: what it caches must not be an inference tensor
    x = torch.randn(1, 32, 6, 5, requires_grad=True)
    stage(x).square().sum().backward()
    fast = x.grad.clone()
    x.grad = None
    upsampled = F.interpolate(x, scale_factor=2, mode="bilinear")
    stage.conv_layer(F.pad(upsampled, (1, 1, 1, 1), mode="reflect")).square().sum().backward()
    assert torch.allclose(fast, x.grad, atol=1e-4)


def test_pointwise_path_equals_the_plain_conv(model):
    pointwise = model.decoder.dec3[8]
    y = torch.randn(1, 16, 10, 8).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        assert torch.allclose(pointwise(y), pointwise.conv_layer(y), atol=1e-5)


@pytest.mark.parametrize("encoder", ["content_encoder", "style_encoder"])
@pytest.mark.parametrize("height, width", [(12, 10), (13, 11)])
def test_dense_stride_two_stages_equal_the_grouped_convs(model, encoder, height, width):
    stages = [layer for layer in getattr(model, encoder).enc1 if getattr(layer, "conv_layer", None) is not None
              and layer.conv_layer.stride == (2, 2)]
    assert len(stages) == 2
    with torch.inference_mode():
        for stage in stages:
            x = torch.randn(1, stage.conv_layer.in_channels, height, width).contiguous(memory_format=torch.channels_last)
            plain = stage.conv_layer(F.pad(x, (1, 1, 1, 1), mode="reflect"))
            assert stage(x).shape == plain.shape
            assert torch.allclose(stage(x), plain, atol=1e-5)


def test_blended_signal_is_the_fieldwise_mix(signal):
    other = StyleSignal(*(torch.zeros_like(getattr(signal, name)) for name in signal.__dataclass_fields__))
    mixed = StyleSignal.blend([signal, other], [0.25, 0.75])
    assert torch.allclose(mixed.std1, 0.25 * signal.std1)
    with pytest.raises(ValueError):
        StyleSignal.blend([signal], [0.5, 0.5])
