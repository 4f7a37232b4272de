"""Put the person's eyes, lids, lips and teeth back into a one-pass painting, without training.

A fast style network repaints a face's small features with the painting's marks: teeth become a
dark band, eyelids smear. This step replaces, inside the face-feature mask (eyes, brows, lips,
nose and the face outline, :func:`facestyle.faces.masks.feature_mask`) fully and over the rest of
the face oval by :data:`SKIN_AMOUNT`, one band of the painting's luminance detail with the photo's:

    Y_out = Y_painted + amount · mask · (g · band(Y_photo) − band(Y_painted))
    band(Y) = blur(Y, σ_fine) − blur(Y, σ_coarse)

with the blur widths proportional to each face's inter-ocular distance, so a small and a large face
get the same features back. ``g`` maps the photo's contrast onto the painting's: the ratio of their
luminance deviations around the face. The same ΔY is added to R, G and B, so the painting's
colours stay and only light and dark are the person's. Outside the face not a pixel changes.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from facestyle.faces.analysis import Face, FaceAnalysis
from facestyle.faces.masks import face_scale, feature_mask
from facestyle.image.filters import gaussian_blur
from facestyle.image.io import resize_to

#: The face parts whose detail comes back; the nose too, since without its ridge and nostrils the
#: face mesh of a painted face drifts, and faces on textured paintings were missed more often.
PARTS = ("eyes", "brows", "lips", "nose", "outline")
#: Mask edge softness, as a fraction of the inter-ocular distance: wider than the masks' default so
#: the lids and the skin folds around the eyes and mouth come back too.
SOFTNESS = 0.06
#: The band, as Gaussian sigmas in inter-ocular distances: above σ_coarse is shape and shading the
#: network keeps; below σ_fine is film grain and JPEG noise, better left to the paint (at 512 px
#: σ_fine stays under a pixel, so the band reaches the finest detail there).
FINE_SIGMA = 0.004
COARSE_SIGMA = 0.30
#: How much of the band comes back on the rest of the face (cheeks, forehead, chin). With a tuned
#: style signal (:mod:`facestyle.fast.signal_tuning`) the painting's marks cover the skin strongly
#: enough to move the face mesh's landmarks by over 0.05 inter-ocular distances and, on a few
#: photos, to hide the face from the detector; at 0.7 the skin keeps some of the marks
#: (BENCHMARKS.md#fast-mode).
SKIN_AMOUNT = 0.7
#: Limits of the contrast gain ``g``: a flat painting must not erase the features, nor a contrasty
#: one blow them up.
GAIN_RANGE = (0.5, 1.5)
#: Rec. 601 luma weights.
_LUMA = (0.299, 0.587, 0.114)


def restore_face_detail(
    painted: Image.Image, photo: Image.Image, analysis: FaceAnalysis, *, amount: float = 1.0
) -> Image.Image:
    """The painting with the photo's fine luminance detail inside the face-feature mask.

    Args:
        painted: the stylised image.
        photo: the content photo it was painted from (resized to ``painted``'s size if needed).
        analysis: :func:`facestyle.faces.analysis.analyse` of the photo, at any size of the same
            aspect ratio.
        amount: 0 leaves the painting as it is, 1 puts the photo's band in place of the painting's.

    Returns:
        A new RGB image of ``painted``'s size; ``painted`` itself when there is no face or
        ``amount`` is 0.

    Raises:
        ValueError: ``amount`` outside [0, 2], or an analysis of another aspect ratio.
    """
    if not 0.0 <= amount <= 2.0:
        raise ValueError(f"amount must be between 0 and 2, not {amount}")
    if not analysis.has_faces or amount == 0:
        return painted
    width, height = painted.size
    mask = detail_mask(analysis, width, height)
    faces = sorted((f.scaled(width / analysis.width, height / analysis.height) for f in analysis.faces),
                   key=face_scale)
    windows = [(face, window) for face in faces if (window := _window(face, mask, width, height)) is not None]
    if not windows:
        return painted
    # Only the windows' bounding box is converted and written: outside it no pixel changes, and
    # converting the whole picture to floats and back cost a large share of the step.
    x0, y0 = min(cols.start for _, (_, cols) in windows), min(rows.start for _, (rows, _) in windows)
    x1, y1 = max(cols.stop for _, (_, cols) in windows), max(rows.stop for _, (rows, _) in windows)
    box = (x0, y0, x1, y1)
    painted = painted.convert("RGB")
    paint = np.asarray(painted.crop(box), dtype=np.float32) / 255.0
    source = np.asarray(resize_to(photo.convert("RGB"), painted.size).crop(box), dtype=np.float32) / 255.0
    out = paint.copy()
    # Smaller faces first, so where windows overlap the larger face's band wins.
    for face, (rows, cols) in windows:
        local = slice(rows.start - y0, rows.stop - y0), slice(cols.start - x0, cols.stop - x0)
        delta = _band_difference(_luma(source[local]), _luma(paint[local]), face_scale(face))
        out[local] = paint[local] + (amount * mask[rows, cols] * delta)[..., None]
    result = painted.copy()
    result.paste(Image.fromarray((np.clip(out, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8), "RGB"), box)
    return result


def detail_mask(analysis: FaceAnalysis, width: int, height: int) -> np.ndarray:
    """Where the step acts, and how much: the feature mask, and :data:`SKIN_AMOUNT` over the rest of
    the face oval, (H, W) at the painting's size in [0, 1], drawn at half size when that keeps it
    sharp enough.

    The mask is soft (edges blurred by :data:`SOFTNESS` inter-ocular distances), so drawing it at
    half size and enlarging it bilinearly changes it by little, at a quarter of the drawing cost.
    """
    smallest = min(face_scale(face) for face in analysis.faces)
    smallest *= min(width / analysis.width, height / analysis.height)
    if SOFTNESS * smallest < 4 or min(width, height) < 64:
        return _weighted_mask(analysis, (height, width)).numpy()
    half = _weighted_mask(analysis, (round(height / 2), round(width / 2)))
    return F.interpolate(half[None, None], size=(height, width), mode="bilinear", align_corners=False)[0, 0].numpy()


def _weighted_mask(analysis: FaceAnalysis, size: tuple[int, int]) -> torch.Tensor:
    features = feature_mask(analysis, size, parts=PARTS, softness=SOFTNESS)
    oval = feature_mask(analysis, size, parts=("oval",), softness=SOFTNESS)
    return torch.maximum(features, SKIN_AMOUNT * oval)


def _band_difference(photo_y: np.ndarray, painted_y: np.ndarray, interocular: float) -> np.ndarray:
    """``g · band(photo) − band(painted)`` on one face's window."""
    planes = torch.from_numpy(np.stack([photo_y, painted_y]))[:, None]
    band = (_blur(planes, FINE_SIGMA * interocular) - _blur(planes, COARSE_SIGMA * interocular))[:, 0].numpy()
    spread_photo, spread_painted = float(photo_y.std()), float(painted_y.std())
    gain = float(np.clip(spread_painted / spread_photo, *GAIN_RANGE)) if spread_photo > 1e-4 else 1.0
    return gain * band[0] - band[1]


def _window(face: Face, mask: np.ndarray, width: int, height: int) -> tuple[slice, slice] | None:
    """The rows and columns around one face where its mask is non-zero, with room for the coarse blur."""
    box = face.box
    points = face.landmarks if face.landmarks is not None else np.array([[box.x0, box.y0], [box.x1, box.y1]])
    # The outline band and the mask's soft edge reach about half an inter-ocular distance outside
    # the landmarks; the coarse blur needs 3σ more around that.
    pad = (3 * COARSE_SIGMA + 0.5) * face_scale(face)
    x0, y0 = np.floor(points.min(axis=0) - pad).astype(int)
    x1, y1 = np.ceil(points.max(axis=0) + pad).astype(int)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
    if x1 - x0 < 2 or y1 - y0 < 2 or not mask[y0:y1, x0:x1].any():
        return None
    return slice(y0, y1), slice(x0, x1)


def _luma(rgb: np.ndarray) -> np.ndarray:
    return rgb @ np.asarray(_LUMA, dtype=np.float32)


def _blur(planes: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian blur of (N, 1, H, W) planes, edges repeated; none below 0.3 px.

    A wide blur runs on the planes shrunk by area averaging (to keep σ at about 3 pixels there) and
    enlarges the result bilinearly: a large face's coarse band costs as little as a small one's.
    Away from the window's edges (where the mask is zero) it differs from a full-size blur by
    about one grey level at the sharpest edges.
    """
    if sigma < 0.3:
        return planes
    height, width = planes.shape[-2:]
    factor = max(1, min(int(sigma / 3), height // 4, width // 4))
    if factor > 1:
        pad_h, pad_w = -height % factor, -width % factor
        small = F.avg_pool2d(F.pad(planes, (0, pad_w, 0, pad_h), mode="replicate"), factor)
        small = _gaussian(small, sigma / factor)
        big = F.interpolate(small, scale_factor=factor, mode="bilinear", align_corners=False)
        return big[..., :height, :width]
    return _gaussian(planes, sigma)


def _gaussian(planes: torch.Tensor, sigma: float) -> torch.Tensor:
    """:func:`facestyle.image.filters.gaussian_blur` of (N, 1, H, W) planes, its kernel no wider
    than the planes."""
    radius = min(planes.shape[-2] - 1, planes.shape[-1] - 1)
    return gaussian_blur(planes[:, 0], sigma, max_radius=radius)[:, None]
