"""The face stage's typed results: boxes, faces with named landmarks, and the analysis of one image.

Results are :class:`Face` objects (box, score, named keypoints, landmarks in pixels), never raw
arrays with magic column numbers, so callers read ``face.point("nose_tip")`` instead of row 1.

Coordinates are pixels of the analysed image, x to the right and y down. "Left" and "right" are the
*person's* own (mediapipe's convention): the left eye is on the image's right in a frontal photo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

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

#: Two boxes overlapping this much (intersection over union) are taken for the same face.
SAME_FACE_IOU = 0.3


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
            :data:`PROFILE_YAW` is not calibrated on a true profile (docs/faces.md).
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
