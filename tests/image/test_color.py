"""Colour preservation: the maths on arrays, and each mode's effect on a real (tiny) run."""

import numpy as np
import pytest

import facestyle
from facestyle.errors import OptionError
from facestyle.image import color
from facestyle.image.io import load_image, resize_long_side


def _random_pixels(seed, shape=(30, 20, 3)):
    generator = np.random.default_rng(seed)
    mix = generator.normal(size=(3, 3)) * 0.15
    return generator.normal(size=shape) @ mix.T + generator.uniform(0.2, 0.8, size=3)


def test_yiq_round_trip_and_gray_has_no_chroma():
    pixels = np.random.default_rng(0).uniform(size=(5, 7, 3))
    assert np.allclose(color.yiq_to_rgb(color.rgb_to_yiq(pixels)), pixels)
    gray = color.rgb_to_yiq(np.full((2, 2, 3), 0.4))
    assert np.allclose(gray[..., 0], 0.4) and np.allclose(gray[..., 1:], 0, atol=1e-4)


@pytest.mark.parametrize("method", ["pca", "cholesky"])
def test_colour_matching_gives_the_targets_mean_and_covariance(method):
    source, target = _random_pixels(1), _random_pixels(2, (16, 40, 3))
    matched = color.match_color_array(source, target, method)
    mean_m, cov_m = color.color_statistics(matched)
    mean_t, cov_t = color.color_statistics(target)
    assert np.allclose(mean_m, mean_t, atol=1e-9)
    assert np.allclose(cov_m, cov_t, atol=1e-9)


def test_pca_match_is_the_smallest_change_for_a_rotation_free_case():
    # When source and target differ by a scale only, both methods find that scale.
    source = _random_pixels(3)
    target = (source - 0.5) * 0.5 + 0.5
    for method in ("pca", "cholesky"):
        assert np.allclose(color.match_color_array(source, target, method), target, atol=1e-3)


def test_gray_style_does_not_break_the_match():
    gray = np.repeat(np.random.default_rng(4).uniform(size=(10, 10, 1)), 3, axis=-1)
    matched = color.match_color_array(gray, _random_pixels(5), "cholesky")
    assert np.isfinite(matched).all()
    assert np.allclose(color.color_statistics(matched)[0], color.color_statistics(_random_pixels(5))[0])


def test_unknown_match_method_is_refused():
    with pytest.raises(OptionError, match="choose from pca, cholesky"):
        color.color_transform(_random_pixels(0), _random_pixels(1), "lab")


def test_luminance_matching_takes_the_photos_mean_and_std():
    style_y, content_y = np.linspace(0, 1, 50), np.linspace(0.3, 0.5, 70)
    matched = color.match_luminance(style_y, content_y)
    assert matched.mean() == pytest.approx(content_y.mean()) and matched.std() == pytest.approx(content_y.std())


def test_histogram_mode_gives_the_style_the_photos_colour_statistics(face_path, style_path):
    photo, style = load_image(face_path), load_image(style_path)
    _, (recoloured,) = color.prepare_inputs(photo, [style], "histogram")
    mean_p, cov_p = color.color_statistics(color.to_array(photo))
    mean_s, cov_s = color.color_statistics(color.to_array(style))
    mean_r, cov_r = color.color_statistics(color.to_array(recoloured))
    # Clipping to [0, 1] and 8-bit rounding keep it from being exact on real images.
    assert np.abs(mean_r - mean_p).max() < 0.1 * np.abs(mean_s - mean_p).max()
    assert np.abs(cov_r - cov_p).max() < 0.3 * np.abs(cov_s - cov_p).max()


def _chroma(image):
    return color.rgb_to_yiq(color.to_array(image))[..., 1:]


def test_luminance_mode_keeps_the_photos_chroma(face_path, style_path):
    photo = resize_long_side(load_image(face_path), 48)
    previews = []
    kept = facestyle.stylize(
        face_path, style_path, size=48, steps=6, preserve_color="luminance",
        progress=lambda event: previews.append(event.image()),
    )
    plain = facestyle.stylize(face_path, style_path, size=48, steps=6)
    assert kept.image.size == photo.size
    kept_error = np.abs(_chroma(kept.image) - _chroma(photo))
    # Only clipping to the RGB cube and 8-bit rounding move the chroma.
    assert kept_error.mean() < 0.005 and np.percentile(kept_error, 95) < 0.02
    assert np.abs(_chroma(plain.image) - _chroma(photo)).mean() > 5 * kept_error.mean()
    # Intermediate images shown to the caller carry the photo's colours too, not gray.
    assert np.abs(_chroma(previews[-1])).mean() > 0.01
    # ... while the luminance did change: the transfer happened.
    luma = lambda image: color.rgb_to_yiq(color.to_array(image))[..., 0]  # noqa: E731
    assert np.abs(luma(kept.image) - luma(photo)).mean() > 0.01


def test_histogram_mode_runs_and_changes_the_result(face_path, style_path):
    options = dict(size=40, steps=4)
    matched = facestyle.stylize(face_path, style_path, preserve_color="histogram", **options)
    plain = facestyle.stylize(face_path, style_path, **options)
    assert matched.settings.preserve_color == "histogram"
    assert not np.array_equal(np.asarray(matched.image), np.asarray(plain.image))


def test_luminance_mode_in_adain(face_path, style_path):
    photo = resize_long_side(load_image(face_path), 48)
    result = facestyle.stylize(face_path, style_path, method="adain", size=48, preserve_color="luminance")
    assert np.abs(_chroma(result.image) - _chroma(photo)).mean() < 0.005


def test_unknown_preserve_color_is_refused_with_a_hint():
    with pytest.raises(OptionError, match="did you mean 'luminance'"):
        facestyle.make_settings(preserve_color="luminence")
