"""Landmarks on a detected face: the consensus of 478-point meshes of several crops around its box.

Each crop is square with a margin, resized to :data:`_CROP_SIDE` pixels whatever the face's size in
the photo (small faces are upscaled for the mesh, large ones shrunk without the aliasing of
mediapipe's own resize), meshed, and the landmarks are mapped back to image pixels. At 192 pixels
the mesh's internal detector (128 px input) sees the face at a size it finds reliably. Callers hold
:func:`facestyle.faces.models.using_models`.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from facestyle.faces.models import MODELS
from facestyle.faces.types import LANDMARKS, SAME_FACE_IOU, Box

#: Each face crop is resized to this many pixels square before meshing.
_CROP_SIDE = 192
#: (margin around the detection box as a fraction of its size, blur first?) of the crops each face is meshed on.
_CROP_ATTEMPTS = ((0.75, False), (0.75, True), (1.0, True), (0.5, False))
#: The crops tried in greyscale when fewer than two colour crops give agreeing meshes: tighter ones too, since
#: a painted face's surroundings (swirls, waves) in the margin distract the mesh's detector.
_GREY_CROP_ATTEMPTS = ((0.4, False), (0.4, True), (0.5, False), (0.5, True), (0.6, False), (0.75, True))
#: Meshes of one face's crops agreeing this well (NME) are one mesh.
_CONFIRM_NME = 0.06


def mesh_face(rgb: np.ndarray, box: Box, *, confirm: bool = False) -> np.ndarray | None:
    """Mesh one detected face: the mean of the crops' meshes that agree, or None.

    Returns (478, 3) points: x, y in image pixels and depth in the same units. One crop's mesh is
    not repeatable enough to measure distortion with, so every crop of :data:`_CROP_ATTEMPTS` is
    meshed and the meshes within :data:`_CONFIRM_NME` of their medoid are averaged
    (docs/faces.md). When fewer than two colour crops agree, greyscale copies are tried too: a
    painting's colour cast can hide a face from the mesh's detector that its shading still shows.
    With ``confirm`` (a weak detection), more than half of the colour crops, or of the greyscale
    ones, must agree; otherwise None.
    """
    meshes = [points for margin, blur in _CROP_ATTEMPTS if (points := _mesh_one_crop(rgb, box, margin, blur)) is not None]
    colour_agree = len(_consensus(meshes))
    # Texture (a coat's folds, a patterned robe) makes a few crops agree by chance; a real face
    # makes most of them agree (docs/faces.md).
    confirmed = 2 * colour_agree > len(_CROP_ATTEMPTS)
    if rgb.ndim == 3 and (colour_agree < 2 or (confirm and not confirmed)):
        grey = np.repeat(np.asarray(Image.fromarray(rgb).convert("L"))[..., None], 3, axis=2)
        grey_meshes = [
            points for margin, blur in _GREY_CROP_ATTEMPTS if (points := _mesh_one_crop(grey, box, margin, blur)) is not None
        ]
        confirmed = confirmed or 2 * len(_consensus(grey_meshes)) > len(_GREY_CROP_ATTEMPTS)
        meshes += grey_meshes
    agreeing = _consensus(meshes)
    if not agreeing or (confirm and not confirmed):
        return None
    return np.mean(agreeing, axis=0).astype(np.float32)


def landmark_extent(landmarks: np.ndarray, width: int, height: int) -> Box:
    """The box of (N, 2) landmarks, clipped to a ``width`` × ``height`` image."""
    x0, y0 = np.clip(landmarks.min(axis=0), 0, [width, height])
    x1, y1 = np.clip(landmarks.max(axis=0), 0, [width, height])
    return Box(float(x0), float(y0), float(x1), float(y1))


def head_yaw(points: np.ndarray) -> float:
    """Head yaw in degrees from 3-D landmarks (478, 3): how far the cheek-to-cheek line leaves the
    image plane. Measured against its length *in* the plane, so a tilted (rolled) head is not
    mistaken for a turned one."""
    across = points[LANDMARKS["face_left"]] - points[LANDMARKS["face_right"]]
    return float(np.degrees(np.arctan2(across[2], np.hypot(across[0], across[1]))))


def _consensus(meshes: list[np.ndarray]) -> list[np.ndarray]:
    """The meshes within :data:`_CONFIRM_NME` (of the inter-ocular distance) of their medoid."""
    if len(meshes) <= 1:
        return meshes

    def spread(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.linalg.norm(a[:, :2] - b[:, :2], axis=1).mean())

    distances = np.array([[spread(a, b) for b in meshes] for a in meshes])
    medoid = int(np.argmin(distances.sum(axis=1)))
    centre = meshes[medoid]
    scale = float(np.linalg.norm(centre[LANDMARKS["left_eye_outer"], :2] - centre[LANDMARKS["right_eye_outer"], :2]))
    if scale <= 0:
        return []
    return [mesh for mesh, distance in zip(meshes, distances[medoid]) if distance / scale <= _CONFIRM_NME]


def mesh_once(rgb: np.ndarray, box: Box) -> np.ndarray | None:
    """One mesh of the face in ``box``, from a single crop with a margin of 0.75 box sides, or None:
    the quick analysis's landmarks, without the agreement of several crops."""
    return _mesh_one_crop(rgb, box, 0.75, False)


def _mesh_one_crop(rgb: np.ndarray, box: Box, margin: float, blur: bool) -> np.ndarray | None:
    height, width = rgb.shape[:2]
    side = max(box.width, box.height) * (1 + 2 * margin)
    cx, cy = box.center
    x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
    span = max(1, int(round(side)))
    # Pad with edge pixels instead of shrinking the crop, so the face stays centred and square.
    crop = Image.fromarray(_padded_crop(rgb, x0, y0, x0 + span, y0 + span))
    scale = _CROP_SIDE / span
    if blur:
        crop = crop.filter(ImageFilter.GaussianBlur(0.5 / min(scale, 1.0)))
    method = Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC
    crop = crop.resize((_CROP_SIDE, _CROP_SIDE), method)
    best, best_iou = None, SAME_FACE_IOU
    for candidate in MODELS.mesh(np.asarray(crop), 2):
        landmarks = candidate / scale + np.array([x0, y0, 0], dtype=np.float32)
        # The mesh must be the face the crop was made for, not a neighbour in the margin.
        overlap = landmark_extent(landmarks[:, :2], width, height).iou(box)
        if overlap > best_iou:
            best, best_iou = landmarks, overlap
    return best


def _padded_crop(rgb: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    height, width = rgb.shape[:2]
    ys = np.clip(np.arange(y0, y1), 0, height - 1)
    xs = np.clip(np.arange(x0, x1), 0, width - 1)
    return np.ascontiguousarray(rgb[ys[:, None], xs[None, :]])
