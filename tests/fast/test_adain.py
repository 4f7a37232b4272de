"""AdaIN maths on small tensors, and the fast mode end to end with the real weights."""

import pytest
import torch

import facestyle
from facestyle.errors import WeightsError
from facestyle.fast.adain import adaptive_instance_norm, channel_statistics, load_adain
from facestyle.features.weights import ADAIN_DECODER


def test_adain_gives_the_style_statistics_to_the_content():
    torch.manual_seed(0)
    content = torch.randn(1, 4, 6, 5) * 3 + 1
    style = channel_statistics(torch.randn(1, 4, 7, 7) * 0.5 - 2)
    out = channel_statistics(adaptive_instance_norm(content, style))
    assert torch.allclose(out.mean, style.mean, atol=1e-4)
    assert torch.allclose(out.std, style.std, atol=1e-3)


def test_fast_mode_keeps_size_and_strength_zero_stays_close_to_the_photo(face_path, style_path):
    styled = facestyle.stylize(face_path, style_path, method="adain", size=60)
    assert styled.image.size == (45, 60) and styled.history == []
    photo = facestyle.image.io.to_tensor(facestyle.image.io.resize_long_side(facestyle.image.io.load_image(face_path), 60))
    untouched = facestyle.stylize(face_path, style_path, method="adain", size=60, strength=0.0)
    to = facestyle.image.io.to_tensor
    error_plain = (to(untouched.image) - photo).abs().mean().item()
    error_styled = (to(styled.image) - photo).abs().mean().item()
    assert error_plain < error_styled


def test_decoder_output_is_eight_times_the_features(face_path):
    model = load_adain()
    image = torch.rand(1, 3, 37, 50)
    out = model(image, model.style_statistics(torch.rand(1, 3, 32, 32)))
    assert out.shape == image.shape and 0 <= out.min() and out.max() <= 1


def test_adain_warm_start_for_gatys(face_path, style_path):
    result = facestyle.stylize(face_path, style_path, size=48, steps=3, init="adain")
    assert result.history[-1]["total"] <= result.history[0]["total"]


def test_bad_decoder_file_names_the_hash(tmp_path, face_path, style_path):
    bad = tmp_path / "decoder.pth"
    bad.write_bytes(b"x")
    with pytest.raises(WeightsError, match=ADAIN_DECODER.sha256):
        facestyle.stylize(face_path, style_path, method="adain", size=32, decoder_weights=str(bad))
