"""Soft region masks from a :class:`~facestyle.faces.types.FaceAnalysis`, for region-aware style and face protection.

:func:`region_masks` gives one mask per name in :data:`REGIONS`, each a float32 tensor (H, W) in
[0, 1]; at every pixel they sum to 1 (a soft partition). The face regions are polygons of the
478-point mesh (:mod:`facestyle.faces.mesh_topology`), drawn with antialiasing and blurred by a
Gaussian whose width follows each face's own size, so a 40-pixel face and a 600-pixel face get the
same relative softness. What is not face is split between the person (hair, neck, clothes: the
selfie segmentation) and the background.

:func:`feature_mask` is the mask face protection needs: eyes, brows, lips and a band along the face
outline, soft, in [0, 1] (not a partition). :func:`resize_masks` takes masks to a VGG layer's
resolution by area averaging, which keeps a partition a partition. Drawing masks for a person to
look at is :mod:`facestyle.faces.overlay`'s job.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

from facestyle.faces.mesh_topology import MESH_POLYGONS
from facestyle.faces.types import Face, FaceAnalysis
from facestyle.image.filters import gaussian_blur

#: The regions of the partition, face features first. ``hair_body`` is the person minus the face.
REGIONS = ("eyes", "brows", "lips", "nose", "skin", "hair_body", "background")
#: The regions drawn from the face mesh (the rest come from the person segmentation).
FACE_REGIONS = ("eyes", "brows", "lips", "nose", "skin")
#: Parts :func:`feature_mask` can include.
FEATURE_PARTS = ("eyes", "brows", "lips", "nose", "outline", "oval")

#: Gaussian blur sigma of the mask edges, as a fraction of each face's inter-ocular distance.
DEFAULT_SOFTNESS = 0.04
#: Width of the face-outline band in :func:`feature_mask`, as a fraction of the inter-ocular distance.
DEFAULT_OUTLINE_WIDTH = 0.1
#: Mask values below this are set to exactly 0. Blurred edges and the segmentation's tails reach
#: values like 1e-39, subnormal floats that x86 CPUs multiply through a slow microcode path, which
#: made face-aware steps several times slower (BENCHMARKS.md#faces).
NEGLIGIBLE = 1e-6


# --- the masks -----------------------------------------------------------------------------------


def mesh_polygons() -> dict[str, tuple[tuple[int, ...], ...]]:
    """Landmark indices of the closed polygons: ``oval``, ``eyes``, ``brows``, ``lips`` and ``nose``
    (the nose entry is a point set whose convex hull is filled)."""
    return MESH_POLYGONS


def region_masks(
    analysis: FaceAnalysis, size: tuple[int, int] | None = None, *, softness: float = DEFAULT_SOFTNESS
) -> dict[str, torch.Tensor]:
    """Soft masks of :data:`REGIONS` that sum to 1 at every pixel.

    Args:
        analysis: the faces and person mask of the image (:func:`facestyle.faces.analysis.analyse`).
        size: ``(height, width)`` of the masks, e.g. ``tensor.shape[-2:]`` of the image being
            stylised; default the analysed image's size. It must have the analysed image's aspect
            ratio (within 2 %): masks are never squashed.
        softness: edge blur sigma as a fraction of each face's inter-ocular distance (0: hard edges,
            antialiased only).

    Returns:
        ``{name: tensor (H, W) float32 in [0, 1]}`` in the order of :data:`REGIONS`. For an image
        with no face, the face regions are all zero and everything is ``hair_body`` or
        ``background`` (a caller tells the user once; see :data:`facestyle.faces.types.NO_FACE_NOTICE`).

    Raises:
        ValueError: a size of the wrong aspect ratio, or a negative softness.
    """
    height, width, sx, sy = _target(analysis, size)
    if softness < 0:
        raise ValueError(f"softness must be 0 or more, not {softness}")
    face = torch.zeros(len(FACE_REGIONS), height, width)
    for one in analysis.faces:
        _add_face_layers(face, one.scaled(sx, sy), softness)
    # Where faces overlap their layers can add up to more than 1; share the pixel between them.
    total = face.sum(dim=0)
    face = face / total.clamp(min=1.0)
    rest = (1.0 - face.sum(dim=0)).clamp(min=0.0)
    person = resize_plane(torch.from_numpy(np.array(analysis.person)), height, width).clamp(0.0, 1.0)
    masks = {name: face[i] for i, name in enumerate(FACE_REGIONS)}
    masks["hair_body"] = rest * person
    masks["background"] = rest * (1.0 - person)
    return {name: _without_negligible(masks[name]).contiguous() for name in REGIONS}


def feature_mask(
    analysis: FaceAnalysis,
    size: tuple[int, int] | None = None,
    *,
    parts: Sequence[str] = ("eyes", "brows", "lips", "outline"),
    softness: float = DEFAULT_SOFTNESS,
    outline_width: float = DEFAULT_OUTLINE_WIDTH,
) -> torch.Tensor:
    """Where a face's identity lives: eyes, brows, lips and the face outline, soft, for face protection.

    Args:
        analysis, size: as for :func:`region_masks`.
        parts: any of :data:`FEATURE_PARTS`; ``"outline"`` is a band along the face oval,
            ``"oval"`` the whole oval filled.
        softness: edge blur sigma as a fraction of the inter-ocular distance (softer than the regions
            by default, so protection fades out instead of stopping at a line).
        outline_width: width of the outline band as a fraction of the inter-ocular distance.

    Returns:
        A float32 tensor (H, W) in [0, 1]; all zeros for an image with no face.

    Raises:
        ValueError: an unknown part, a size of the wrong aspect ratio, or negative widths.
    """
    unknown = [part for part in parts if part not in FEATURE_PARTS]
    if unknown:
        raise ValueError(f"unknown feature part {unknown[0]!r}; choose from {', '.join(FEATURE_PARTS)}")
    if softness < 0 or outline_width < 0:
        raise ValueError("softness and outline_width must be 0 or more")
    height, width, sx, sy = _target(analysis, size)
    mask = torch.zeros(height, width)
    for one in analysis.faces:
        _max_feature_layer(mask, one.scaled(sx, sy), tuple(parts), softness, outline_width)
    return _without_negligible(mask)


def resize_masks(masks: Mapping[str, torch.Tensor], size: tuple[int, int]) -> dict[str, torch.Tensor]:
    """Resize every mask to ``size = (height, width)``, e.g. a VGG layer's feature map.

    Shrinking averages areas (a pixel of the result is the mean over the pixels it covers), so a
    partition still sums to 1 and a thin region fades instead of vanishing or being smeared into its
    neighbour; enlarging repeats pixels (nearest). Masks are (H, W) tensors; the result keeps the keys.
    """
    if not masks:
        return {}
    height, width = int(size[0]), int(size[1])
    if height < 1 or width < 1:
        raise ValueError(f"size must be positive, not {size}")
    names = list(masks)
    stack = torch.stack([torch.as_tensor(masks[name], dtype=torch.float32) for name in names])
    resized = _without_negligible(_resize_stack(stack, height, width))
    return {name: resized[i] for i, name in enumerate(names)}


# --- drawing one face ----------------------------------------------------------------------------


def _target(analysis: FaceAnalysis, size: tuple[int, int] | None) -> tuple[int, int, float, float]:
    if size is None:
        return analysis.height, analysis.width, 1.0, 1.0
    height, width = int(size[0]), int(size[1])
    if height < 1 or width < 1:
        raise ValueError(f"mask size must be positive, not {tuple(size)}")
    wanted, have = width / height, analysis.width / analysis.height
    if abs(wanted / have - 1) > 0.02:
        raise ValueError(
            f"mask size {height}x{width} (height x width) has another aspect ratio than the analysed "
            f"image ({analysis.height}x{analysis.width}); give (height, width) of the same picture"
        )
    return height, width, width / analysis.width, height / analysis.height


def face_scale(face: Face) -> float:
    """Inter-ocular distance in pixels, or an estimate from the box for a face without a mesh."""
    if face.interocular is not None:
        return max(face.interocular, 1.0)
    # BlazeFace boxes are about 2.2 outer-eye-corner distances wide.
    return max(face.box.width / 2.2, 1.0)


class _Canvas:
    """A window of the image around one face, drawn at ``factor`` × resolution for antialiasing."""

    def __init__(self, face: Face, height: int, width: int, pad: float) -> None:
        points = self._points(face)
        x0, y0 = points.min(axis=0) - pad
        x1, y1 = points.max(axis=0) + pad
        self.x0, self.y0 = max(0, math.floor(x0)), max(0, math.floor(y0))
        self.x1, self.y1 = min(width, math.ceil(x1)), min(height, math.ceil(y1))
        scale = face_scale(face)
        # Small faces are drawn larger and averaged down, so an eye of 4 pixels still has a shape.
        self.factor = 4 if scale < 48 else 2 if scale < 160 else 1

    @staticmethod
    def _points(face: Face) -> np.ndarray:
        if face.landmarks is not None:
            return face.landmarks
        box = face.box
        return np.array([[box.x0, box.y0], [box.x1, box.y1]], dtype=np.float32)

    @property
    def empty(self) -> bool:
        return self.x1 <= self.x0 or self.y1 <= self.y0

    def new(self) -> tuple[Image.Image, ImageDraw.ImageDraw]:
        layer = Image.new("L", ((self.x1 - self.x0) * self.factor, (self.y1 - self.y0) * self.factor), 0)
        return layer, ImageDraw.Draw(layer)

    def xy(self, points: np.ndarray) -> list[tuple[float, float]]:
        local = (np.asarray(points, dtype=np.float64) - [self.x0, self.y0]) * self.factor
        return [tuple(p) for p in local]

    def to_tensor(self, layer: Image.Image) -> torch.Tensor:
        """A drawn layer back at image resolution: (h, w) coverage in [0, 1]."""
        plane = torch.from_numpy(np.asarray(layer, dtype=np.float32) / 255.0)
        if self.factor > 1:
            plane = F.avg_pool2d(plane[None, None], self.factor)[0, 0]
        return plane


def _face_shapes(face: Face) -> dict[str, list[np.ndarray]]:
    """Polygons (pixels) of each face region; approximate shapes when the face has no mesh."""
    if face.landmarks is not None:
        polygons = mesh_polygons()
        points = face.landmarks
        shapes = {name: [points[list(indices)] for indices in polygons[name]] for name in ("oval", "eyes", "brows", "lips")}
        shapes["nose"] = [_convex_hull(points[list(polygons["nose"][0])])]
        return shapes
    # Detection only: an ellipse for the face, discs for the eyes, an ellipse for the mouth.
    box, size = face.box, max(face.box.width, 1.0)
    shapes = {"oval": [_ellipse(box.center, box.width * 0.55, box.height * 0.62)], "eyes": [], "brows": [], "lips": [], "nose": []}
    for name in ("right_eye", "left_eye"):
        if name in face.keypoints:
            shapes["eyes"].append(_ellipse(face.keypoints[name], size * 0.09, size * 0.05))
    if "mouth_center" in face.keypoints:
        shapes["lips"].append(_ellipse(face.keypoints["mouth_center"], size * 0.2, size * 0.08))
    return shapes


def _add_face_layers(face_layers: torch.Tensor, face: Face, softness: float) -> None:
    """Add one face's soft region layers (in FACE_REGIONS order) into ``face_layers`` (5, H, W)."""
    _, height, width = face_layers.shape
    sigma = softness * face_scale(face)
    canvas = _Canvas(face, height, width, pad=3 * sigma + 2)
    if canvas.empty:
        return
    shapes = _face_shapes(face)
    # One label per pixel, later regions drawn over earlier ones: skin is what is left of the oval.
    label_map, draw = canvas.new()
    order = (("skin", "oval"), ("nose", "nose"), ("lips", "lips"), ("brows", "brows"), ("eyes", "eyes"))
    labels = {region: index + 1 for index, region in enumerate(FACE_REGIONS)}
    for region, shape in order:
        for polygon in shapes[shape]:
            if len(polygon) >= 3:
                draw.polygon(canvas.xy(polygon), fill=labels[region])
    label_array = np.asarray(label_map)
    window = torch.stack(
        [canvas.to_tensor(Image.fromarray((label_array == labels[region]).astype(np.uint8) * 255)) for region in FACE_REGIONS]
    )
    window = gaussian_blur(window, sigma)
    face_layers[:, canvas.y0 : canvas.y1, canvas.x0 : canvas.x1] += window


def _max_feature_layer(mask: torch.Tensor, face: Face, parts: tuple[str, ...], softness: float, outline_width: float) -> None:
    height, width = mask.shape
    scale = face_scale(face)
    sigma, band = softness * scale, outline_width * scale
    canvas = _Canvas(face, height, width, pad=3 * sigma + band + 2)
    if canvas.empty:
        return
    shapes = _face_shapes(face)
    layer, draw = canvas.new()
    for part in parts:
        if part == "outline":
            for polygon in shapes["oval"]:
                xy = canvas.xy(polygon)
                line = max(1, round(band * canvas.factor))
                draw.line(xy + xy[:1], fill=255, width=line, joint="curve")
        else:
            for polygon in shapes[part]:
                if len(polygon) >= 3:
                    draw.polygon(canvas.xy(polygon), fill=255)
    window = gaussian_blur(canvas.to_tensor(layer)[None], sigma)[0]
    target = mask[canvas.y0 : canvas.y1, canvas.x0 : canvas.x1]
    torch.maximum(target, window, out=target)


# --- small geometry and image helpers --------------------------------------------------------------


def _ellipse(center: tuple[float, float], rx: float, ry: float, steps: int = 48) -> np.ndarray:
    angles = np.linspace(0, 2 * np.pi, steps, endpoint=False)
    return np.stack([center[0] + rx * np.cos(angles), center[1] + ry * np.sin(angles)], axis=1).astype(np.float32)


def _convex_hull(points: np.ndarray) -> np.ndarray:
    """Andrew's monotone chain; points (N, 2) → hull vertices in order."""
    unique = sorted({(float(x), float(y)) for x, y in points})
    if len(unique) < 3:
        return np.array(unique, dtype=np.float32)

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in unique:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(unique):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1], dtype=np.float32)


def _without_negligible(masks: torch.Tensor) -> torch.Tensor:
    """``masks`` with every value below :data:`NEGLIGIBLE` set to 0 (no subnormal floats left)."""
    return torch.where(masks < NEGLIGIBLE, torch.zeros((), dtype=masks.dtype), masks)


def _resize_stack(stack: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(C, H, W) → (C, height, width): area averaging to shrink, nearest to enlarge, per axis."""
    if stack.shape[-2:] == (height, width):
        return stack.clone()
    x = stack[None]
    h, w = x.shape[-2:]
    if height < h or width < w:
        x = F.interpolate(x, size=(min(height, h), min(width, w)), mode="area")
    if x.shape[-2:] != (height, width):
        x = F.interpolate(x, size=(height, width), mode="nearest-exact")
    return x[0]


def resize_plane(plane: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """One (H, W) mask resized like :func:`resize_masks` resizes many."""
    return _resize_stack(plane[None], height, width)[0]
