"""Finding faces: boxes, the 478-point face mesh and a person mask, as typed results.

:func:`analyse` runs three mediapipe 0.10.21 models, all bundled with the wheel and run offline on
the CPU: BlazeFace detection (short- and full-range), the face mesh with refined eyes and lips
(468 + 10 iris points = 478) and the selfie segmentation. It returns a :class:`FaceAnalysis` whose
``faces`` are :class:`Face` objects (box, score, named keypoints, landmarks in pixels), never raw
arrays with magic column numbers.

How the faces are found, and why (docs/faces.md has the measurements):

1. Both BlazeFace detectors (short range, full range) run on copies of the image already shrunk,
   with antialiasing, to their input size, plain and blurred: mediapipe's own resize aliases
   engraving lines, brush strokes and grain into noise and then misses faces. A large image is also
   cut into tiles, so a face of 30 px in a 1400 px photo is seen.
2. Each detection is cropped square with a margin, resized to 192 px and meshed there (the mesh's own
   detector is the short-range one, reliable at that size); the landmarks are mapped back. A weak
   detection is kept only if a plain and a blurred crop give the same mesh, because texture (a dark
   coat, a patterned robe) fools the detector. A strong detection the mesh cannot fit is kept
   without landmarks (``landmarks is None``).
3. The selfie segmentation gives the person mask: on the whole image, again around each small face,
   and, where it sees nobody on a face (some paintings), a soft head-and-shoulders shape.

Coordinates are pixels of the analysed image, x to the right and y down. "Left" and "right" are the
*person's* own (mediapipe's convention): the left eye is on the image's right in a frontal photo.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Iterator, Mapping

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from facestyle.image.io import ImageSource, load_image

#: Named points of the 478-point mesh (indices into ``Face.landmarks``); the person's left/right.
LANDMARKS: Mapping[str, int] = {
    "right_eye_outer": 33,
    "right_eye_inner": 133,
    "left_eye_outer": 263,
    "left_eye_inner": 362,
    "right_iris": 468,
    "left_iris": 473,
    "nose_tip": 1,
    "nose_bridge": 168,
    "mouth_right": 61,
    "mouth_left": 291,
    "upper_lip_top": 0,
    "lower_lip_bottom": 17,
    "chin": 152,
    "forehead_top": 10,
    "face_right": 234,
    "face_left": 454,
}

#: The six BlazeFace keypoints, in mediapipe's order.
KEYPOINT_NAMES = ("right_eye", "left_eye", "nose_tip", "mouth_center", "right_ear", "left_ear")

#: Number of mesh landmarks with ``refine_landmarks=True``.
NUM_LANDMARKS = 478

#: A face counts as turned to profile from this many degrees of yaw (see :attr:`Face.yaw`).
PROFILE_YAW = 45.0

#: What a caller prints, once, when a photo has no face.
NO_FACE_NOTICE = "no face found; using plain style transfer for the whole image"

_DEFAULT_MAX_FACES = 8
_MIN_SCORE = 0.5
#: A detection this confident, or found by this many detector passes, needs no second opinion.
_STRONG_SCORE = 0.8
_STRONG_VOTES = 5
#: Meshes of one face's crops agreeing this well (NME) are one mesh.
_CONFIRM_NME = 0.06
#: A face the mesh cannot fit is still kept when the detector is this sure of it.
_DETECTION_ONLY_SCORE = 0.75
#: (full range?, side in pixels) of the detector passes over the whole image, each run plain and blurred.
_WHOLE_IMAGE_PASSES = ((False, 96), (False, 128), (True, 128), (True, 192))
#: Input side of the selfie segmentation model.
_SEGMENT_SIDE = 256
_TILE = 512
_TILE_STRIDE = 256
#: Each face crop is resized to this many pixels square before meshing.
_CROP_SIDE = 192
#: (margin around the detection box as a fraction of its size, blur first?) of the crops each face is meshed on.
_CROP_ATTEMPTS = ((0.75, False), (0.75, True), (1.0, True), (0.5, False))
#: The crops tried in greyscale when fewer than two colour crops give agreeing meshes: tighter ones too, since
#: a painted face's surroundings (swirls, waves) in the margin distract the mesh's detector.
_GREY_CROP_ATTEMPTS = ((0.4, False), (0.4, True), (0.5, False), (0.5, True), (0.6, False), (0.75, True))
#: The mesh's own detector threshold inside a crop we already know holds a face.
_CROP_MESH_SCORE = 0.5
_SAME_FACE_IOU = 0.3


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in pixels: ``x0 <= x1``, ``y0 <= y1`` (x right, y down)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        return max(0.0, self.width) * max(0.0, self.height)

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)

    def iou(self, other: Box) -> float:
        """Intersection over union with ``other`` (0 when they do not overlap)."""
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        if w <= 0 or h <= 0:
            return 0.0
        inter = w * h
        return inter / (self.area + other.area - inter)

    def contains(self, point: tuple[float, float]) -> bool:
        return self.x0 <= point[0] <= self.x1 and self.y0 <= point[1] <= self.y1

    def scaled(self, sx: float, sy: float) -> Box:
        return Box(self.x0 * sx, self.y0 * sy, self.x1 * sx, self.y1 * sy)

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)


@dataclass(frozen=True, eq=False)
class Face:
    """One face in an image.

    Attributes:
        box: the face box in pixels (from the detector, or the landmarks' extent when only the mesh
            saw the face).
        score: detection confidence in [0, 1].
        keypoints: the detector's six points by name (:data:`KEYPOINT_NAMES`), in pixels; empty when
            only the mesh saw the face.
        landmarks: float32 array (478, 2) of mesh points in pixels, read-only; ``None`` when the mesh
            could not fit this face (then only the box and keypoints are known).
        yaw: how far the head is turned, in degrees, from the mesh's 3-D points: 0 frontal, about
            ±30 for a three-quarter view, towards ±90 in profile; positive when the person's left
            cheek (landmark 454) is farther from the camera than the right (234). None without a mesh.
            Measured on the bundled photos and paintings: 0–16 for frontal portraits, 25–35 for
            three-quarter views; no true profile was available to calibrate :data:`PROFILE_YAW`.
        source: ``"mesh"`` (detected and meshed) or ``"detection"`` (the mesh could not fit it: no
            landmarks).
    """

    box: Box
    score: float
    keypoints: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    landmarks: np.ndarray | None = None
    yaw: float | None = None
    source: str = "mesh"

    def __post_init__(self) -> None:
        if self.landmarks is not None:
            points = np.array(self.landmarks, dtype=np.float32)
            if points.shape != (NUM_LANDMARKS, 2):
                raise ValueError(f"landmarks must have shape ({NUM_LANDMARKS}, 2), not {points.shape}")
            points.flags.writeable = False
            object.__setattr__(self, "landmarks", points)

    @property
    def has_mesh(self) -> bool:
        return self.landmarks is not None

    def point(self, name: str) -> tuple[float, float]:
        """A named mesh landmark (:data:`LANDMARKS`) in pixels.

        Raises:
            KeyError: unknown name (the message lists the valid ones).
            ValueError: this face has no mesh.
        """
        if name not in LANDMARKS:
            raise KeyError(f"unknown landmark {name!r}; valid names: {', '.join(LANDMARKS)}")
        if self.landmarks is None:
            raise ValueError("this face was only detected, not meshed; it has no landmarks")
        x, y = self.landmarks[LANDMARKS[name]]
        return (float(x), float(y))

    @property
    def right_eye_center(self) -> tuple[float, float]:
        """The person's right eye (image left in a frontal photo): iris centre, or the detector's point."""
        return self.point("right_iris") if self.has_mesh else self.keypoints["right_eye"]

    @property
    def left_eye_center(self) -> tuple[float, float]:
        """The person's left eye (image right in a frontal photo): iris centre, or the detector's point."""
        return self.point("left_iris") if self.has_mesh else self.keypoints["left_eye"]

    @property
    def interocular(self) -> float | None:
        """Distance in pixels between the outer eye corners (landmarks 33 and 263); None without a mesh.

        This is the normaliser of the landmark error (NME), as in the 300-W benchmark's
        "inter-ocular" definition.
        """
        if self.landmarks is None:
            return None
        return float(np.hypot(*(self.landmarks[LANDMARKS["left_eye_outer"]] - self.landmarks[LANDMARKS["right_eye_outer"]])))

    @property
    def size(self) -> float:
        """A scale for the face in pixels: the larger side of its box."""
        return max(self.box.width, self.box.height)

    @property
    def is_profile(self) -> bool:
        """True when the face is turned far to the side (|yaw| >= :data:`PROFILE_YAW`) or has no mesh.

        The mesh guesses the hidden half of a turned face, so its landmarks there (and masks built
        from them) deserve less trust.
        """
        return self.yaw is None or abs(self.yaw) >= PROFILE_YAW

    def scaled(self, sx: float, sy: float) -> Face:
        """The same face in an image resized by ``sx`` horizontally and ``sy`` vertically."""
        landmarks = None if self.landmarks is None else self.landmarks * np.array([sx, sy], dtype=np.float32)
        keypoints = {k: (x * sx, y * sy) for k, (x, y) in self.keypoints.items()}
        return Face(self.box.scaled(sx, sy), self.score, keypoints, landmarks, self.yaw, self.source)

    def to_dict(self) -> dict:
        """A JSON-friendly summary (without the 478 landmarks)."""
        return {
            "box": [round(v, 1) for v in self.box.as_tuple()],
            "score": round(self.score, 3),
            "source": self.source,
            "landmarks": 0 if self.landmarks is None else len(self.landmarks),
            "interocular": None if self.interocular is None else round(self.interocular, 1),
            "yaw": None if self.yaw is None else round(self.yaw, 1),
        }


@dataclass(frozen=True, eq=False)
class FaceAnalysis:
    """Everything facestyle knows about the faces and the person in one image.

    Attributes:
        width, height: size of the analysed image in pixels.
        faces: the faces, largest first (empty for a photo with no face).
        person: float32 array (height, width) in [0, 1], read-only: the probability that a pixel
            belongs to a person (face, hair, body), from the selfie segmentation.
        seconds: wall time the analysis took.
        person_guessed: True when the segmentation found no person on some face (it happens on
            paintings and engravings) and a soft head-and-shoulders shape around that face was used.
    """

    width: int
    height: int
    faces: tuple[Face, ...]
    person: np.ndarray
    seconds: float = 0.0
    person_guessed: bool = False

    def __post_init__(self) -> None:
        person = np.array(self.person, dtype=np.float32)
        if person.shape != (self.height, self.width):
            raise ValueError(f"person mask must have shape ({self.height}, {self.width}), not {person.shape}")
        person.flags.writeable = False
        object.__setattr__(self, "person", person)
        object.__setattr__(self, "faces", tuple(self.faces))

    @property
    def size(self) -> tuple[int, int]:
        """(width, height), as PIL gives it."""
        return (self.width, self.height)

    @property
    def has_faces(self) -> bool:
        return bool(self.faces)

    @property
    def meshed_faces(self) -> tuple[Face, ...]:
        return tuple(face for face in self.faces if face.has_mesh)

    def summary(self) -> str:
        """One line for logs: how many faces, found how, and how long it took."""
        if not self.faces:
            return f"no face found ({self.width}x{self.height}, {self.seconds:.2f} s)"
        parts = []
        for face in self.faces:
            extra = "" if face.has_mesh else ", no landmarks"
            if face.has_mesh and face.is_profile:
                extra = ", profile"
            parts.append(f"{face.size:.0f} px ({face.source}{extra})")
        noun = "face" if len(self.faces) == 1 else "faces"
        guessed = ", person shape guessed" if self.person_guessed else ""
        return f"{len(self.faces)} {noun}: {'; '.join(parts)} ({self.width}x{self.height}{guessed}, {self.seconds:.2f} s)"

    def to_dict(self) -> dict:
        return {
            "width": self.width,
            "height": self.height,
            "faces": [face.to_dict() for face in self.faces],
            "person_guessed": self.person_guessed,
            "seconds": round(self.seconds, 3),
        }


def analyse(image: ImageSource, *, max_faces: int = _DEFAULT_MAX_FACES, min_score: float = _MIN_SCORE) -> FaceAnalysis:
    """Find every face in ``image`` with its 478 landmarks, and the person mask.

    Args:
        image: a path, bytes or PIL image; decoded safely (grayscale becomes RGB, EXIF rotation applied).
        max_faces: at most this many faces, the largest kept.
        min_score: detector confidence needed to keep a face.

    Returns:
        A :class:`FaceAnalysis` in the pixel coordinates of ``image``. A photo with no face gives an
        empty ``faces`` tuple, not an error; callers print :data:`NO_FACE_NOTICE` once.

    Raises:
        InputImageError: the image cannot be read (see :func:`facestyle.image.io.load_image`).
        ValueError: ``max_faces`` < 1 or ``min_score`` outside [0, 1].
    """
    if max_faces < 1:
        raise ValueError(f"max_faces must be 1 or more, not {max_faces}")
    if not 0.0 <= min_score <= 1.0:
        raise ValueError(f"min_score must be between 0 and 1, not {min_score}")
    started = time.perf_counter()
    picture = load_image(image)
    rgb = np.ascontiguousarray(np.asarray(picture.convert("RGB"), dtype=np.uint8))
    height, width = rgb.shape[:2]
    with _MODELS.lock, _quiet_native_stderr():
        faces = _find_faces(rgb, max_faces=max_faces, min_score=min_score)
        person, guessed = _segment_people(rgb, faces)
    return FaceAnalysis(width, height, tuple(faces), person, time.perf_counter() - started, guessed)


# --- the search --------------------------------------------------------------------------------


@dataclass
class _Detection:
    box: Box
    score: float
    keypoints: dict[str, tuple[float, float]]
    from_tile: bool = False
    votes: int = 1


def _find_faces(rgb: np.ndarray, *, max_faces: int, min_score: float) -> list[Face]:
    height, width = rgb.shape[:2]
    faces: list[Face] = []
    for found in _detect_all(rgb, min_score):
        if any(face.box.iou(found.box) > _SAME_FACE_IOU for face in faces):
            continue
        # A weak detection (low score, seen by few passes) must give the same mesh twice: texture
        # (a dark coat, a patterned robe) fools the detector and even the mesh once, rarely twice.
        strong = found.score >= _STRONG_SCORE or found.votes >= _STRONG_VOTES
        points = _mesh_crop(rgb, found.box, confirm=not strong)
        if points is not None:
            extent = _extent(points[:, :2], width, height)
            if any(face.has_mesh and _extent(face.landmarks, width, height).iou(extent) > _SAME_FACE_IOU for face in faces):
                continue
            faces.append(Face(found.box, found.score, found.keypoints, points[:, :2], _yaw(points), "mesh"))
        elif strong and not found.from_tile and found.score >= max(min_score, _DETECTION_ONLY_SCORE):
            faces.append(Face(found.box, found.score, found.keypoints, None, None, "detection"))
    faces.sort(key=lambda face: face.box.area, reverse=True)
    return faces[:max_faces]


def _detect_all(rgb: np.ndarray, min_score: float) -> list[_Detection]:
    """Every BlazeFace pass, merged: best score first, overlapping boxes dropped.

    mediapipe shrinks its input to the model's 128 or 192 pixels without low-pass filtering, which
    aliases engraving lines, brush strokes and film grain into noise: an engraved Shakespeare or a
    black-and-white photo was missed at full size and found after an antialiased (Lanczos)
    downscale. So each pass gets the image already shrunk to the model's input, once as is and once
    blurred first (for painted faces). Tiles of a large image catch faces of 30–60 pixels.
    """
    picture = Image.fromarray(rgb)
    found: list[_Detection] = []
    for blur in (False, True):
        for full_range, side in _WHOLE_IMAGE_PASSES:
            found += _detect_scaled(picture, full_range=full_range, side=side, blur=blur, min_score=min_score)
    for x0, y0, x1, y1 in _tiles(picture.width, picture.height):
        tile = picture.crop((x0, y0, x1, y1))
        for full_range, side in ((False, 128), (True, 192)):
            for hit in _detect_scaled(tile, full_range=full_range, side=side, blur=False, min_score=min_score):
                box = Box(hit.box.x0 + x0, hit.box.y0 + y0, hit.box.x1 + x0, hit.box.y1 + y0)
                points = {k: (x + x0, y + y0) for k, (x, y) in hit.keypoints.items()}
                found.append(_Detection(box, hit.score, points, from_tile=True))
    # Cluster overlapping hits; whole-image ones represent a cluster before tile ones (a tile can cut
    # a large face in half), then the best score. Each cluster counts its hits: its votes.
    found.sort(key=lambda d: (d.from_tile, -d.score))
    kept: list[_Detection] = []
    for candidate in found:
        for other in kept:
            if candidate.box.iou(other.box) > _SAME_FACE_IOU:
                other.votes += 1
                break
        else:
            kept.append(candidate)
    return kept


def _detect_scaled(picture: Image.Image, *, full_range: bool, side: int, blur: bool, min_score: float) -> list[_Detection]:
    """Run one detector on ``picture`` shrunk (antialiased) to ``side`` pixels; boxes in picture pixels."""
    scale = min(1.0, side / max(picture.size))
    small = picture
    if blur and scale < 1:
        small = small.filter(ImageFilter.GaussianBlur(0.5 / scale))
    if scale < 1:
        size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
        small = small.resize(size, Image.Resampling.LANCZOS)
    elif blur:
        return []
    sx, sy = picture.width / small.width, picture.height / small.height
    hits = _MODELS.detect(np.asarray(small), full_range=full_range, min_score=min_score)
    return [
        _Detection(hit.box.scaled(sx, sy), hit.score, {k: (x * sx, y * sy) for k, (x, y) in hit.keypoints.items()})
        for hit in hits
    ]


def _tiles(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """Overlapping square tiles of a large image (none for a small one)."""
    if max(width, height) <= _TILE:
        return []

    def starts(length: int) -> list[int]:
        if length <= _TILE:
            return [0]
        return sorted(set(list(range(0, length - _TILE, _TILE_STRIDE)) + [length - _TILE]))

    return [(x0, y0, min(x0 + _TILE, width), min(y0 + _TILE, height)) for y0 in starts(height) for x0 in starts(width)]


def _mesh_crop(rgb: np.ndarray, box: Box, *, confirm: bool = False) -> np.ndarray | None:
    """Mesh one detected face: the consensus of meshes of several crops around ``box``.

    Returns (478, 3) points: x, y in image pixels and depth in the same units, or None. Each crop
    (:data:`_CROP_ATTEMPTS`) is resized (Lanczos down, bicubic up) to :data:`_CROP_SIDE` pixels
    whatever the face's size in the photo: small faces are upscaled for the mesh, and large ones
    shrunk without the aliasing of mediapipe's own resize. At 192 pixels the mesh's internal
    detector (128 px input) sees the face at a size it finds reliably.

    One crop's mesh is not repeatable enough to measure distortion with: on a low-key photo with
    a hand on the cheek (the older man, at 512 px), meshes of four crops of the *same* image differed
    by up to 0.055 of the inter-ocular distance, and a 2-pixel blur of the photo moved its mesh by
    0.071 (0.024 with the consensus below). So every crop is meshed and the meshes within
    :data:`_CONFIRM_NME` of their medoid are averaged. When fewer than two colour crops give meshes
    that agree, greyscale copies are tried too: a painting's colour cast (a blue Starry-Night face) can
    hide a face from the mesh's detector that its shading still shows. With ``confirm`` (a weak
    detection), more than half of the colour crops, or of the greyscale ones, must agree; otherwise
    None.
    """
    meshes = [points for margin, blur in _CROP_ATTEMPTS if (points := _mesh_one_crop(rgb, box, margin, blur)) is not None]
    colour_agree = len(_consensus(meshes))
    # A weak detection is confirmed when most crops of one kind agree on a face: texture (a coat's
    # folds, a patterned robe) makes two crops in ten agree by chance (Lincoln's coat: 2 of 4 colour
    # crops), a real face most of them (4–6 of 6 greyscale crops of the blue Starry-Night face).
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
    best, best_iou = None, _SAME_FACE_IOU
    for candidate in _MODELS.mesh(np.asarray(crop), 2):
        landmarks = candidate / scale + np.array([x0, y0, 0], dtype=np.float32)
        # The mesh must be the face we cropped for, not a neighbour in the margin.
        overlap = _extent(landmarks[:, :2], width, height).iou(box)
        if overlap > best_iou:
            best, best_iou = landmarks, overlap
    return best


def _segment_people(rgb: np.ndarray, faces: list[Face]) -> tuple[np.ndarray, bool]:
    """Person probability (H, W) float32, and whether a template had to stand in for it.

    The selfie segmentation sees the image at 256 × 256, where a second or a small person is a few
    pixels tall and is lost. So it also runs on a crop around every face that is small next to the
    image (the head and the body below it), and the larger probability wins. On some paintings and
    engravings (the straw-hat van Gogh, the Droeshout Shakespeare) it finds no person at all, even
    on the face; there a soft head-and-shoulders shape around the face stands in for it.
    """
    height, width = rgb.shape[:2]
    picture = Image.fromarray(rgb)
    person = _segment_scaled(picture)
    for face in faces:
        size = face.size
        cx = face.box.center[0]
        x0, x1 = max(0, int(cx - 2.0 * size)), min(width, int(cx + 2.0 * size))
        y0, y1 = max(0, int(face.box.y0 - 1.0 * size)), min(height, int(face.box.y1 + 3.0 * size))
        if (x1 - x0) * (y1 - y0) > 0.5 * width * height or x1 - x0 < 8 or y1 - y0 < 8:
            continue
        local = _segment_scaled(picture.crop((x0, y0, x1, y1)))
        np.maximum(person[y0:y1, x0:x1], local, out=person[y0:y1, x0:x1])
    guessed = False
    for face in faces:
        box = face.box
        inside = person[max(0, int(box.y0)) : max(1, int(box.y1)), max(0, int(box.x0)) : max(1, int(box.x1))]
        if inside.size and float(inside.mean()) < 0.5:
            np.maximum(person, _head_and_shoulders(face, width, height), out=person)
            guessed = True
    return person, guessed


def _head_and_shoulders(face: Face, width: int, height: int) -> np.ndarray:
    """A soft person shape for one face: an ellipse for the head and hair, a widening body below."""
    scale = min(1.0, 256 / max(width, height))
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    size = face.size * scale
    cx, cy = face.box.center[0] * scale, face.box.center[1] * scale
    chin = face.box.y1 * scale
    layer = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(layer)
    draw.ellipse((cx - 0.8 * size, cy - 1.05 * size, cx + 0.8 * size, cy + 0.85 * size), fill=255)
    draw.polygon(
        [
            (cx - 0.35 * size, chin - 0.2 * size),
            (cx + 0.35 * size, chin - 0.2 * size),
            (cx + 1.6 * size, chin + 1.2 * size),
            (cx + 1.8 * size, h + size),
            (cx - 1.8 * size, h + size),
            (cx - 1.6 * size, chin + 1.2 * size),
        ],
        fill=255,
    )
    layer = layer.filter(ImageFilter.GaussianBlur(max(0.5, 0.1 * size)))
    return np.asarray(layer.resize((width, height), Image.Resampling.BILINEAR), dtype=np.float32) / 255.0


def _segment_scaled(picture: Image.Image) -> np.ndarray:
    """Segment ``picture`` shrunk (antialiased) to the model's 256 pixels; the mask at picture size."""
    scale = min(1.0, _SEGMENT_SIDE / max(picture.size))
    small = picture
    if scale < 1:
        small = picture.resize((max(1, round(picture.width * scale)), max(1, round(picture.height * scale))), Image.Resampling.LANCZOS)
    mask = _MODELS.segment(np.ascontiguousarray(np.asarray(small)))
    if small.size != picture.size:
        mask = np.asarray(Image.fromarray(mask, "F").resize(picture.size, Image.Resampling.BILINEAR), dtype=np.float32)
    return np.clip(mask, 0.0, 1.0)


def _yaw(points: np.ndarray) -> float:
    """Head yaw in degrees from 3-D landmarks (478, 3): how far the cheek-to-cheek line leaves the
    image plane. Measured against its length *in* the plane, so a tilted (rolled) head is not
    mistaken for a turned one."""
    across = points[LANDMARKS["face_left"]] - points[LANDMARKS["face_right"]]
    return float(np.degrees(np.arctan2(across[2], np.hypot(across[0], across[1]))))


def _padded_crop(rgb: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    height, width = rgb.shape[:2]
    ys = np.clip(np.arange(y0, y1), 0, height - 1)
    xs = np.clip(np.arange(x0, x1), 0, width - 1)
    return np.ascontiguousarray(rgb[ys[:, None], xs[None, :]])


def _extent(landmarks: np.ndarray, width: int, height: int) -> Box:
    """The box of the landmarks, clipped to the image."""
    x0, y0 = np.clip(landmarks.min(axis=0), 0, [width, height])
    x1, y1 = np.clip(landmarks.max(axis=0), 0, [width, height])
    return Box(float(x0), float(y0), float(x1), float(y1))


# --- mediapipe, loaded once and used under a lock -------------------------------------------------


class _Models:
    """The mediapipe solutions, created on first use and reused (creating a graph takes a while).

    mediapipe solution objects are not thread-safe, so every use holds ``lock``.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._meshes: dict[int, object] = {}
        self._detectors: dict[bool, object] = {}
        self._segmenter: object | None = None

    @staticmethod
    def _solutions():
        os.environ.setdefault("GLOG_minloglevel", "2")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import mediapipe as mp

        return mp.solutions

    def mesh(self, rgb: np.ndarray, max_faces: int) -> list[np.ndarray]:
        """Landmarks (478, 3) for each face the mesh finds: x, y in pixels and depth z in pixels."""
        model = self._meshes.get(max_faces)
        if model is None:
            model = self._solutions().face_mesh.FaceMesh(
                static_image_mode=True,
                max_num_faces=max_faces,
                refine_landmarks=True,
                min_detection_confidence=_CROP_MESH_SCORE,
            )
            self._meshes[max_faces] = model
        result = model.process(rgb)
        height, width = rgb.shape[:2]
        meshes = []
        for face in result.multi_face_landmarks or []:
            # mediapipe's z is depth on roughly the same scale as x (a fraction of the width).
            points = np.array([(p.x * width, p.y * height, p.z * width) for p in face.landmark], dtype=np.float32)
            if points.shape == (NUM_LANDMARKS, 3) and np.isfinite(points).all():
                meshes.append(points)
        return meshes

    def detect(self, rgb: np.ndarray, *, full_range: bool, min_score: float) -> list[_Detection]:
        """BlazeFace: short range (faces within ~2 m, 128 px input) or full range (192 px input)."""
        model = self._detectors.get(full_range)
        if model is None:
            # A low threshold here; ours is applied below so one model serves every min_score.
            model = self._solutions().face_detection.FaceDetection(
                model_selection=1 if full_range else 0, min_detection_confidence=0.3
            )
            self._detectors[full_range] = model
        result = model.process(rgb)
        height, width = rgb.shape[:2]
        found = []
        for detection in result.detections or []:
            score = float(detection.score[0]) if detection.score else 0.0
            if score < min_score:
                continue
            rel = detection.location_data.relative_bounding_box
            box = Box(rel.xmin * width, rel.ymin * height, (rel.xmin + rel.width) * width, (rel.ymin + rel.height) * height)
            if box.area <= 0:
                continue
            points = {
                name: (kp.x * width, kp.y * height)
                for name, kp in zip(KEYPOINT_NAMES, detection.location_data.relative_keypoints)
            }
            found.append(_Detection(box, score, points))
        return found

    def segment(self, rgb: np.ndarray) -> np.ndarray:
        """Person probability (H, W) float32 in [0, 1]."""
        if self._segmenter is None:
            self._segmenter = self._solutions().selfie_segmentation.SelfieSegmentation(model_selection=0)
        mask = self._segmenter.process(rgb).segmentation_mask
        return np.clip(np.asarray(mask, dtype=np.float32), 0.0, 1.0)


_MODELS = _Models()


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null while mediapipe runs.

    mediapipe's C++ code logs through absl straight to fd 2 ("Created TensorFlow Lite XNNPACK
    delegate", "Feedback manager requires…"); neither GLOG_minloglevel nor TF_CPP_MIN_LOG_LEVEL
    silences it in 0.10.21, and it would clutter the command line's output. Python's own
    ``sys.stderr`` is flushed first. Set ``FACESTYLE_MEDIAPIPE_LOGS=1`` to see the logs. While this
    is active, anything another thread writes to stderr is lost too; analyses are short.
    """
    if os.environ.get("FACESTYLE_MEDIAPIPE_LOGS"):
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
        finally:
            os.close(devnull)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)

