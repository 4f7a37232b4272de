"""The face stage of a run: the photo's and the painting's faces, and their masks at each scale.

:func:`analyse_pair` runs once per run (face detection is the slow part); :func:`face_masks` turns
that analysis into the masks one scale of the optimisation needs, once per scale, as one
:class:`FaceMasks` value that the engine hands to the objective. The cost terms
(:mod:`facestyle.costs.guidance`) only resize and weight these masks; they never analyse images.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from PIL import Image

from facestyle.faces.analysis import NO_FACE_NOTICE, FaceAnalysis, analyse
from facestyle.faces.masks import FACE_REGIONS, feature_mask, region_masks


@dataclass(frozen=True)
class FaceGuide:
    """Face analyses of the photo and of the (first) painting, decided once per run.

    ``style`` is None when the photo has no face (nothing to guide) or no painting was analysed;
    ``notes`` are things to tell the user once, such as that no face was found.
    """

    content: FaceAnalysis
    style: FaceAnalysis | None
    notes: tuple[str, ...] = ()

    @property
    def has_faces(self) -> bool:
        return bool(self.content.faces)

    @property
    def style_is_portrait(self) -> bool:
        return self.style is not None and bool(self.style.faces)


def analyse_pair(content: Image.Image, style: Image.Image | None) -> FaceGuide:
    """Analyse the photo and, when given, the painting (faces, landmarks, person masks).

    The painting's faces decide whether it is a portrait: then ``region_style="matched"`` matches
    its regions to the photo's, and the default relieves both faces at the deepest style layer
    (:mod:`facestyle.costs.guidance`).
    """
    content_analysis = analyse(content)
    if not content_analysis.faces:
        return FaceGuide(content_analysis, None, (NO_FACE_NOTICE,))
    return FaceGuide(content_analysis, analyse(style) if style is not None else None)


@dataclass(frozen=True)
class FaceMasks:
    """Everything the face-aware costs need at one scale, at image resolution.

    Attributes:
        features: (H, W) the photo's eyes, brows, lips and face outline, soft, in [0, 1]: where
            face protection raises the content weight.
        regions: the photo's region masks (H, W) keyed by :data:`facestyle.faces.masks.REGIONS`,
            summing to 1 at every pixel.
        painting_regions: the painting's region masks at the painting's (h, w), or None when the
            painting has no face (a landscape, or no painting analysed).
    """

    features: torch.Tensor
    regions: dict[str, torch.Tensor]
    painting_regions: dict[str, torch.Tensor] | None

    @property
    def photo_face(self) -> torch.Tensor:
        """(H, W) the photo's whole face (all face regions together)."""
        return merge_face_regions(self.regions)["face"].clamp(0, 1)

    @property
    def painted_face(self) -> torch.Tensor | None:
        """(h, w) the painting's whole face, or None when it has none."""
        if self.painting_regions is None:
            return None
        return merge_face_regions(self.painting_regions)["face"].clamp(0, 1)


def face_masks(guide: FaceGuide, photo_size: tuple[int, int], painting_size: tuple[int, int]) -> FaceMasks | None:
    """The masks of one scale: the photo's at ``photo_size`` and the painting's at ``painting_size``,
    both ``(height, width)``. None when the photo has no face (the run is plain style transfer)."""
    if not guide.has_faces:
        return None
    painting = region_masks(guide.style, painting_size) if guide.style_is_portrait else None
    return FaceMasks(
        features=feature_mask(guide.content, photo_size),
        regions=region_masks(guide.content, photo_size),
        painting_regions=painting,
    )


def merge_face_regions(masks: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """{eyes, brows, lips, nose, skin, hair_body, background} → {face, hair_body, background}."""
    face = sum(masks[name] for name in FACE_REGIONS)
    return {"face": face, "hair_body": masks["hair_body"], "background": masks["background"]}
