"""Keeping the photo's colours: luminance-only transfer and colour-statistics matching.

Both follow Gatys, Bethge, Hertzmann & Shechtman, *Controlling Perceptual Factors in Neural Style
Transfer* (CVPR 2017), section 5:

* ``luminance``: run the transfer on luminance alone (Y of YIQ, replicated to three channels for
  VGG), after giving the style's luminance the photo's mean and standard deviation; then combine
  the result's Y with the photo's I and Q. The output has the photo's chroma exactly, up to
  clipping to [0, 1] and 8-bit rounding.
* ``histogram``: before the transfer, map the style image's colours with an affine transform
  ``x' = A·(x − μ_S) + μ_C`` so their mean and covariance become the photo's; then run as usual.
  ``A = Σ_C^½ · Σ_S^−½`` (symmetric square roots from the eigendecomposition, the "3D colour
  matching" of Image Analogies that Gatys et al. use), or ``A = L_C · L_S⁻¹`` from Cholesky factors.

Images are PIL RGB in and out; the maths works on float arrays (…, 3) in [0, 1].
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from PIL import Image

from facestyle.errors import OptionError

#: RGB → YIQ (FCC NTSC). Y is luma; I and Q carry the colour.
RGB_TO_YIQ = np.array(
    [
        [0.299, 0.587, 0.114],
        [0.5959, -0.2746, -0.3213],
        [0.2115, -0.5227, 0.3112],
    ]
)
YIQ_TO_RGB = np.linalg.inv(RGB_TO_YIQ)

#: Smallest eigenvalue a colour covariance is given: a grey or flat image has a singular one.
#: 1e-5 is a standard deviation of about 0.003 (under one of 255 levels); a covariance whose
#: eigenvalues are all larger is used unchanged, so the match is exact for it.
COVARIANCE_EPS = 1e-5

MATCH_METHODS = ("pca", "cholesky")


def rgb_to_yiq(rgb: np.ndarray) -> np.ndarray:
    """(…, 3) RGB → (…, 3) YIQ."""
    return rgb @ RGB_TO_YIQ.T


def yiq_to_rgb(yiq: np.ndarray) -> np.ndarray:
    """(…, 3) YIQ → (…, 3) RGB, not clipped."""
    return yiq @ YIQ_TO_RGB.T


def to_array(image: Image.Image) -> np.ndarray:
    """PIL RGB → float64 (H, W, 3) in [0, 1]."""
    return np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0


def to_image(array: np.ndarray) -> Image.Image:
    """Float (H, W, 3), clipped to [0, 1] and rounded to 8 bits → PIL RGB."""
    return Image.fromarray(np.clip(array * 255.0 + 0.5, 0, 255).astype(np.uint8), "RGB")


# -- luminance --------------------------------------------------------------------------------


def luminance(image: Image.Image) -> np.ndarray:
    """Y of YIQ as (H, W) floats in [0, 1]."""
    return rgb_to_yiq(to_array(image))[..., 0]


def gray_image(y: np.ndarray) -> Image.Image:
    """(H, W) luminance → an RGB image with Y in all three channels (what VGG gets)."""
    return to_image(np.repeat(y[..., None], 3, axis=-1))


def match_luminance(style_y: np.ndarray, content_y: np.ndarray) -> np.ndarray:
    """The style's luminance with the photo's mean and standard deviation: σ_C/σ_S·(L_S − μ_S) + μ_C."""
    scale = content_y.std() / max(style_y.std(), 1e-6)
    return (style_y - style_y.mean()) * scale + content_y.mean()


def restore_color(result: Image.Image, content: Image.Image) -> Image.Image:
    """Combine the luminance of ``result`` with the I and Q of ``content`` (resized to ``result``).

    The output is ``result``'s size; where Y + the photo's chroma leaves the RGB cube, clipping
    changes the chroma a little (the only departure from the photo's colours).
    """
    if content.size != result.size:
        content = content.resize(result.size, Image.Resampling.LANCZOS)
    yiq = rgb_to_yiq(to_array(content))
    yiq[..., 0] = luminance(result)
    return to_image(yiq_to_rgb(yiq))


# -- colour statistics ------------------------------------------------------------------------


def color_statistics(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (3,) and covariance (3, 3) of the colours of (…, 3) pixels."""
    flat = pixels.reshape(-1, 3)
    mean = flat.mean(0)
    centred = flat - mean
    return mean, centred.T @ centred / len(flat)


def color_transform(
    source: np.ndarray, target: np.ndarray, method: str = "pca", eps: float = COVARIANCE_EPS
) -> tuple[np.ndarray, np.ndarray]:
    """The affine map ``x ↦ A·x + b`` giving ``source`` pixels (…, 3) the mean and covariance of ``target``.

    Returns:
        ``(A, b)`` with A (3, 3) and b (3,).

    Raises:
        OptionError: unknown ``method`` (``pca`` or ``cholesky``).
    """
    if method not in MATCH_METHODS:
        raise OptionError(f"unknown colour-matching method '{method}'; choose from {', '.join(MATCH_METHODS)}")
    mean_s, cov_s = color_statistics(source)
    mean_t, cov_t = color_statistics(target)
    cov_s, cov_t = _floor_eigenvalues(cov_s, eps), _floor_eigenvalues(cov_t, eps)
    if method == "cholesky":
        matrix = np.linalg.cholesky(cov_t) @ np.linalg.inv(np.linalg.cholesky(cov_s))
    else:
        matrix = _sqrtm(cov_t) @ np.linalg.inv(_sqrtm(cov_s))
    return matrix, mean_t - matrix @ mean_s


def match_color_array(source: np.ndarray, target: np.ndarray, method: str = "pca") -> np.ndarray:
    """``source`` (…, 3) with the colour mean and covariance of ``target`` (…, 3); not clipped."""
    matrix, offset = color_transform(source, target, method)
    return source @ matrix.T + offset


def match_color(style: Image.Image, content: Image.Image, method: str = "pca") -> Image.Image:
    """The style image recoloured to the photo's colour mean and covariance (clipped to 8-bit RGB)."""
    return to_image(match_color_array(to_array(style), to_array(content), method))


def _floor_eigenvalues(matrix: np.ndarray, eps: float) -> np.ndarray:
    """A symmetric (3, 3) matrix with its eigenvalues raised to at least ``eps`` (unchanged if they are)."""
    values, vectors = np.linalg.eigh(matrix)
    if values.min() >= eps:
        return matrix
    return (vectors * np.maximum(values, eps)) @ vectors.T


def _sqrtm(matrix: np.ndarray) -> np.ndarray:
    """Symmetric square root of a symmetric positive-definite (3, 3) matrix."""
    values, vectors = np.linalg.eigh(matrix)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


# -- what the engine calls --------------------------------------------------------------------


def prepare_inputs(
    content: Image.Image, styles: Sequence[Image.Image], mode: str | None
) -> tuple[Image.Image, list[Image.Image]]:
    """The images the transfer runs on for ``preserve_color`` ``mode`` (None, luminance, histogram).

    luminance: the photo's Y and each style's Y matched to it, as gray RGB images;
    histogram: the photo unchanged and each style recoloured to the photo's colour statistics.
    """
    if mode is None:
        return content, list(styles)
    if mode == "luminance":
        content_y = luminance(content)
        return gray_image(content_y), [gray_image(match_luminance(luminance(style), content_y)) for style in styles]
    if mode == "histogram":
        return content, [match_color(style, content) for style in styles]
    raise OptionError(f"unknown preserve_color '{mode}'; choose from luminance, histogram")


def finish_output(result: Image.Image, content: Image.Image, mode: str | None) -> Image.Image:
    """The final image: for ``luminance``, the result's Y with the photo's colours; else ``result``."""
    if mode == "luminance":
        return restore_color(result, content)
    return result
