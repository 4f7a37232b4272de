"""The sheet a drawing is made on: the drawing's luminance scale, paper and pigment colours, and the
photo's tone prepared for it (faded to paper outside the figure, in the drawing's histogram).

Work happens in a normalised luminance where 1 is the drawing's paper and 0 its darkest pigment, so
one tone map serves a grey output and one in the drawing's own colours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from facestyle.faces.guide import merge_face_regions
from facestyle.faces.masks import feature_mask, region_masks
from facestyle.faces.types import FaceAnalysis
from facestyle.image import color
from facestyle.image.filters import gaussian_blur
from facestyle.sketch import tone

#: How far the face's tones move towards paper: a drawn face is lighter than the rest of the figure,
#: its skin mostly paper and light hatching, so eyes, brows and lips carry the likeness.
FACE_LIGHTEN = 0.35
#: How much of the fast drawing the full path keeps in the eyes, brows, lips and outline, and on the
#: rest of the face: the texture terms otherwise redraw a face's features with the drawing's marks
#: and move its landmarks (BENCHMARKS.md#sketch).
KEEP_FEATURES = 0.8
KEEP_FACE = 0.4


@dataclass(frozen=True)
class Sheet:
    """What the drawing contributes: its tone histogram (normalised luminance) and its colours.

    Attributes:
        histogram: 256-bin histogram of the drawing's normalised luminance (0 pigment, 1 paper).
        model: Lu et al.'s paper / mid / dark model fitted to it (the fast path's tone).
        paper, pigment: RGB in [0, 1].
    """

    histogram: np.ndarray
    model: np.ndarray
    paper: np.ndarray
    pigment: np.ndarray

    @property
    def paper_luminance(self) -> float:
        return float(self.paper @ np.array([0.299, 0.587, 0.114]))

    @property
    def pigment_luminance(self) -> float:
        return float(self.pigment @ np.array([0.299, 0.587, 0.114]))

    def normalise(self, y: np.ndarray) -> np.ndarray:
        """Luminance in [0, 1] → the sheet's scale: 0 pigment, 1 paper (clipped)."""
        span = max(self.paper_luminance - self.pigment_luminance, 1e-3)
        return np.clip((y - self.pigment_luminance) / span, 0.0, 1.0)

    def render(self, y: np.ndarray, *, grey: bool = False) -> Image.Image:
        """Normalised luminance → the picture: the drawing's paper and pigment, or their greys."""
        if grey:
            paper = np.full(3, self.paper_luminance)
            pigment = np.full(3, self.pigment_luminance)
        else:
            paper, pigment = self.paper, self.pigment
        return color.to_image(tone.colourise(y, paper, pigment))


def read_sheet(drawings: list[Image.Image]) -> Sheet:
    """The tone and colours of the drawings (several: their pixels pooled)."""
    pixels = [color.to_array(drawing.convert("RGB")).reshape(-1, 3) for drawing in drawings]
    pooled = np.concatenate(pixels)
    paper, pigment = tone.paper_and_pigment(pooled)
    sheet = Sheet(np.zeros(tone.BINS), np.zeros(tone.BINS), paper, pigment)
    y = sheet.normalise(pooled @ np.array([0.299, 0.587, 0.114]))
    return Sheet(tone.histogram(y), tone.tone_model(y), paper, pigment)


@dataclass(frozen=True)
class Prepared:
    """The photo made ready to draw: its structure, its tone, and where paper shows through.

    Attributes:
        structure: the photo's luminance with the background faded (edges become strokes).
        tone: ``structure`` in the drawing's histogram (normalised luminance), paper-faded again.
        paper: (H, W) in [0, 1], how much of each pixel is bare paper.
        features: (H, W) the photo's eyes, brows, lips and face outline.
        face: (H, W) the photo's faces, all regions together.
        face_tone: (H, W) in [0, 1], how much of each pixel takes the face's own tone curve (the face,
            softened so its edge does not show).
    """

    structure: np.ndarray
    tone: np.ndarray
    paper: np.ndarray
    features: np.ndarray
    face: np.ndarray
    face_tone: np.ndarray


def prepare_photo(photo: Image.Image, analysis: FaceAnalysis, target: np.ndarray) -> Prepared:
    """Fade the photo's background and flat areas to paper, then give it the ``target`` histogram.

    The fade comes twice: before the histogram match, so the faded background takes the paper end
    of the histogram, and after it, so a background larger than the drawing's paper is still paper.
    """
    y = color.luminance(photo)
    size = (photo.height, photo.width)
    regions = region_masks(analysis, size)
    face = merge_face_regions(regions)["face"].numpy()
    person = np.asarray(analysis.person) if analysis.person.any() else np.ones(size, dtype=np.float32)
    weight = tone.paper_weight(person, face, y)
    structure = tone.fade_to_paper(y, weight)
    face = np.clip(face, 0, 1).astype(np.float32)
    face_tone = gaussian_blur(torch.from_numpy(face)[None], max(size) / 100)[0].numpy().clip(0, 1)
    toned = drawn_tone(structure, weight, face_tone, target)
    features = feature_mask(analysis, size).numpy()
    return Prepared(structure.astype(np.float32), toned, weight.astype(np.float32), features, face, face_tone)


def drawn_tone(y: np.ndarray, paper: np.ndarray, face: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``y`` in the drawing's histogram, the face on its own lighter curve, faded to paper by ``paper``.

    The face takes a curve of its own because a dark or low-key face would otherwise fall into the
    drawing's darkest tones as one hatched mass, losing the eyes and mouth (BENCHMARKS.md#sketch).
    """
    toned = tone.match_histogram(y, target)
    if face.max() > 0.5:
        own = tone.match_inside(y, face, tone.lighten(target, FACE_LIGHTEN))
        toned = toned + (own - toned) * face
    return tone.fade_to_paper(toned, paper).astype(np.float32)


def finish(y: np.ndarray, prepared: Prepared, target: np.ndarray) -> np.ndarray:
    """A drawn luminance given the drawing's histogram and its paper back (normalised luminance)."""
    return drawn_tone(y, prepared.paper, prepared.face_tone, target)


def keep_face(y: np.ndarray, fast: np.ndarray, prepared: Prepared) -> np.ndarray:
    """The full path's drawing ``y`` with the fast drawing ``fast`` kept over the face's features and,
    less, over the rest of the face (both normalised luminance)."""
    keep = np.maximum(prepared.features * KEEP_FEATURES, prepared.face * KEEP_FACE)
    return (y + (fast - y) * keep).astype(np.float32)
