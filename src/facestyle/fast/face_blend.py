"""The fast mode's face: a network that keeps faces, set into a painting by a network that paints.

AdaIN carries a painting's marks and colours into the whole picture, but its decoder turns teeth
into dark gaps and smears eyes; MicroAST with the face step keeps the person but lays down less of
the painting (BENCHMARKS.md#fast-mode). The fast mode takes the face from the second and everything
else from the first: MicroAST's face, its colours moved to AdaIN's over the face (per channel mean
and deviation inside the mask, so the face is not a differently tinted patch), blended in with a
soft mask of the face regions (skin, eyes, brows, nose, lips) feathered by a fraction of the
inter-ocular distance.
"""

from __future__ import annotations

import torch
from PIL import Image

from facestyle.faces.analysis import FaceAnalysis
from facestyle.faces.guide import merge_face_regions
from facestyle.faces.masks import face_scale, region_masks
from facestyle.image.filters import gaussian_blur
from facestyle.image.io import resize_to, to_pil, to_tensor

#: Feathering of the face mask's edge (Gaussian σ), in inter-ocular distances.
FEATHER = 0.15
#: Gain on the feathered mask before clipping to 1, so the whole face lies inside the full blend and
#: the feathering falls on the hair line, ears and neck.
GROW = 1.5
#: Limits of the colour match's contrast gain: a flat patch of paint must not flatten the face's
#: features, nor a busy one blow them up.
GAIN_RANGE = (0.5, 2.0)


def face_blend_mask(analysis: FaceAnalysis, width: int, height: int) -> torch.Tensor:
    """(H, W) in [0, 1]: 1 over the faces of ``analysis``, feathered outwards; zeros without a face."""
    if not analysis.has_faces:
        return torch.zeros(height, width)
    faces = merge_face_regions(region_masks(analysis, (height, width)))["face"].clamp(0, 1)
    scale = min(width / analysis.width, height / analysis.height)
    sigma = FEATHER * min(face_scale(face) for face in analysis.faces) * scale
    return (gaussian_blur(faces[None], sigma)[0] * GROW).clamp(0, 1)


def match_colours(source: torch.Tensor, reference: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``source`` (3, H, W) with each channel's weighted mean and deviation made ``reference``'s
    (the deviation's gain kept within :data:`GAIN_RANGE`), the weights (H, W) saying where to
    measure them; clipped to [0, 1]."""
    total = weight.sum().clamp_min(1e-6)

    def statistics(image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean = (image * weight).sum(dim=(1, 2)) / total
        spread = (((image - mean[:, None, None]) ** 2 * weight).sum(dim=(1, 2)) / total).sqrt()
        return mean[:, None, None], spread[:, None, None]

    source_mean, source_spread = statistics(source)
    reference_mean, reference_spread = statistics(reference)
    gain = (reference_spread / source_spread.clamp_min(1e-4)).clamp(*GAIN_RANGE)
    return ((source - source_mean) * gain + reference_mean).clamp(0, 1)


def blend_face(picture: Image.Image, face: Image.Image, analysis: FaceAnalysis) -> Image.Image:
    """``picture`` with ``face`` (the same scene painted by a face-keeping network) over its faces.

    ``analysis``: the photo's faces at any size of the same aspect ratio. Without a face the
    picture comes back as it is.
    """
    if not analysis.has_faces:
        return picture
    mask = face_blend_mask(analysis, picture.width, picture.height)
    base, over = to_tensor(picture)[0], to_tensor(resize_to(face, picture.size))[0]
    over = match_colours(over, base, mask)
    return to_pil((base + mask * (over - base))[None])
