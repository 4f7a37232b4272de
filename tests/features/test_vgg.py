"""Layer names, truncated forward passes and the weights' hash check."""

import pytest
import torch

from facestyle.errors import OptionError, WeightsError
from facestyle.features.vgg import (
    LAYER_NAMES,
    VGG19Features,
    canonical_layer,
    load_vgg19,
)
from facestyle.features.weights import VGG19_NORMALISED, resolve_path, verify


@pytest.mark.parametrize("name", ["relu4_2", "conv4_2", "block4_conv2", " Block4_Conv2 "])
def test_all_three_names_address_the_same_layer(name):
    assert canonical_layer(name) == "relu4_2"


def test_unknown_layer_suggests_the_nearest():
    with pytest.raises(OptionError, match="unknown VGG-19 layer 'relu6_1'; did you mean 'relu5_1'"):
        canonical_layer("relu6_1")
    with pytest.raises(OptionError, match="relu1_3"):
        canonical_layer("relu1_3")  # block 1 has two convolutions only


def _random_state_dict():
    from facestyle.features.vgg import _CHANNELS, _STATE_DICT_INDEX

    torch.manual_seed(0)
    state = {"0.weight": torch.randn(3, 3, 1, 1), "0.bias": torch.zeros(3)}
    channels = 3
    for name, index in zip(LAYER_NAMES, _STATE_DICT_INDEX):
        out = _CHANNELS[int(name[4])]
        state[f"{index}.weight"] = torch.randn(out, channels, 3, 3) * 0.1
        state[f"{index}.bias"] = torch.zeros(out)
        channels = out
    return state


def test_encoder_returns_the_layers_asked_for_with_vgg_shapes():
    encoder = VGG19Features(_random_state_dict())
    features = encoder(torch.rand(1, 3, 37, 50), ["relu1_1", "conv3_1", "block5_conv1"])
    assert set(features) == {"relu1_1", "relu3_1", "relu5_1"}
    assert features["relu1_1"].shape == (1, 64, 37, 50)
    assert features["relu3_1"].shape == (1, 256, 10, 13)  # ceil-mode pooling keeps odd borders
    assert features["relu5_1"].shape == (1, 512, 3, 4)


def test_encoder_builds_only_up_to_the_deepest_layer():
    encoder = VGG19Features(_random_state_dict(), last_layer="relu3_1")
    assert len(encoder.convs) == 5
    with pytest.raises(OptionError, match="deeper"):
        encoder(torch.rand(1, 3, 32, 32), ["relu4_1"])


def test_encoder_has_no_trainable_parameters():
    encoder = VGG19Features(_random_state_dict(), last_layer="relu1_1")
    assert not any(p.requires_grad for p in encoder.parameters())


def test_bundled_weights_verify_and_load():
    path = verify(VGG19_NORMALISED, resolve_path(VGG19_NORMALISED))
    assert path.name == "vgg_normalised.pth"
    encoder = load_vgg19(last_layer="relu1_1")
    # The first layer turns RGB in [0, 1] into caffe BGR ×255 minus the mean: white → ~(151, 138, 131).
    white = encoder.preprocess(torch.ones(1, 3, 1, 1)).flatten()
    assert torch.allclose(white, torch.tensor([255 - 103.939, 255 - 116.779, 255 - 123.68]), atol=0.5)


def test_a_wrong_weights_file_names_the_expected_hash(tmp_path, monkeypatch):
    bad = tmp_path / "vgg.pth"
    bad.write_bytes(b"not weights")
    monkeypatch.setenv("FACESTYLE_WEIGHTS", str(bad))
    with pytest.raises(WeightsError, match=VGG19_NORMALISED.sha256):
        load_vgg19()


def test_a_missing_weights_file_names_the_expected_hash(tmp_path):
    with pytest.raises(WeightsError, match=f"not found.*{VGG19_NORMALISED.sha256}"):
        load_vgg19(weights=tmp_path / "missing.pth")


def test_bf16_encoder_returns_float32_activations_close_to_the_exact_ones():
    state = _random_state_dict()
    exact = VGG19Features(state, last_layer="relu3_1")
    reduced = VGG19Features(state, last_layer="relu3_1", compute_dtype=torch.bfloat16, channels_last=True)
    image = torch.rand(1, 3, 40, 52)
    want = exact(image, ["relu1_1", "relu3_1"])
    got = reduced(image, ["relu1_1", "relu3_1"])
    assert all(value.dtype == torch.float32 for value in got.values())
    # relu1_1 is computed before the switch to bf16: the float32 result (up to NHWC summation order).
    assert torch.allclose(got["relu1_1"], want["relu1_1"], rtol=1e-5, atol=1e-5)
    error = (got["relu3_1"] - want["relu3_1"]).norm() / want["relu3_1"].norm()
    assert 0 < error < 0.02  # bf16 keeps 8 bits of mantissa: a few 1e-3 after four convolutions


def test_bf16_encoder_passes_gradients_to_the_float32_image():
    encoder = VGG19Features(_random_state_dict(), last_layer="relu2_1", compute_dtype=torch.bfloat16)
    image = torch.rand(1, 3, 16, 16, requires_grad=True)
    encoder(image, ["relu2_1"])["relu2_1"].pow(2).sum().backward()
    assert image.grad is not None and image.grad.dtype == torch.float32 and image.grad.abs().sum() > 0
