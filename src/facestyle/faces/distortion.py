"""How much a stylised result distorts the faces of its content photo.

For every face of the content photo, :func:`landmark_nme` reports whether a face is still detected
at the same place in the result, and the normalised mean error (NME) of the 478 mesh landmarks:

    NME = mean over the 478 points of ‖p_content − p_result‖ / d_io

where ``d_io`` is the content face's inter-ocular distance, taken between the *outer* eye corners
(mesh landmarks 33 and 263; the "inter-ocular" normaliser of the 300-W benchmark, not the
inter-pupil distance, which would give NMEs about 1.4 times larger). The result is resized to the
content's size first, so the NME does not depend on the output resolution.

Faces are paired by box overlap (intersection over union at least 0.3), largest content face first.
Meshing the same face twice is not exact: differences below about 0.01 are measurement noise
(docs/faces.md, BENCHMARKS.md#faces).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from facestyle.errors import InputImageError
from facestyle.faces.analysis import analyse
from facestyle.faces.types import Box, FaceAnalysis
from facestyle.image.io import ImageSource, load_image, resize_to

#: Two boxes this much overlapped (intersection over union) are the same face.
MATCH_IOU = 0.3
#: How far the result's aspect ratio may differ from the content's before it is refused.
ASPECT_TOLERANCE = 0.03


@dataclass(frozen=True)
class FaceDistortion:
    """One content face and what became of it in the result.

    Attributes:
        index: position of the face in the content analysis (0 is the largest).
        content_box: the face's box in content pixels.
        result_box: the matching face's box in the result (resized to the content's size), or None
            when no face was found there.
        nme: landmark error normalised by ``interocular`` (see the module docstring); None when
            the face is not detected in the result or either face has no mesh.
        interocular: outer-eye-corner distance of the content face in pixels; None without a mesh.
    """

    index: int
    content_box: Box
    result_box: Box | None
    nme: float | None
    interocular: float | None

    @property
    def detected(self) -> bool:
        """A face was found in the result at this face's place."""
        return self.result_box is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "detected": self.detected,
            "nme": None if self.nme is None else round(self.nme, 5),
            "interocular_px": None if self.interocular is None else round(self.interocular, 2),
            "content_box": [round(v, 1) for v in self.content_box.as_tuple()],
            "result_box": None if self.result_box is None else [round(v, 1) for v in self.result_box.as_tuple()],
        }


@dataclass(frozen=True)
class DistortionReport:
    """The distortion of every content face; see :func:`landmark_nme`.

    Attributes:
        width, height: the content's size; the result was compared at this size.
        faces: one entry per content face, largest first (empty when the content has no face).
        content_faces, result_faces: faces found in each image.
        seconds: wall time of the comparison, analyses included.
    """

    width: int
    height: int
    faces: tuple[FaceDistortion, ...]
    content_faces: int
    result_faces: int
    seconds: float = 0.0

    @property
    def face_detected(self) -> bool:
        """Every content face is still detected in the result (False when the content has none)."""
        return bool(self.faces) and all(face.detected for face in self.faces)

    @property
    def nmes(self) -> list[float]:
        return [face.nme for face in self.faces if face.nme is not None]

    @property
    def mean_nme(self) -> float | None:
        """Mean NME over the faces that could be measured; None when none could."""
        values = self.nmes
        return float(np.mean(values)) if values else None

    @property
    def max_nme(self) -> float | None:
        values = self.nmes
        return float(max(values)) if values else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly, as ``facestyle inspect --json`` prints it."""
        return {
            "width": self.width,
            "height": self.height,
            "content_faces": self.content_faces,
            "result_faces": self.result_faces,
            "face_detected": self.face_detected,
            "mean_nme": None if self.mean_nme is None else round(self.mean_nme, 5),
            "max_nme": None if self.max_nme is None else round(self.max_nme, 5),
            "nme_definition": "mean distance of the 478 mesh landmarks / distance between outer eye corners (33, 263)",
            "faces": [face.to_dict() for face in self.faces],
            "seconds": round(self.seconds, 3),
        }


def landmark_nme(
    content: ImageSource, result: ImageSource, *, content_analysis: FaceAnalysis | None = None
) -> DistortionReport:
    """Compare the faces of ``content`` and of ``result`` (a stylisation of it).

    Args:
        content: the content photo (path, bytes or PIL image).
        result: the stylised image; resized to the content's size before it is analysed.
        content_analysis: the content's :func:`~facestyle.faces.analysis.analyse` result if already known
            (a benchmark comparing many results with one photo saves an analysis each time). It
            must be of an image of the content's size.

    Returns:
        A :class:`DistortionReport`. A content photo with no face gives a report with no faces and
        ``face_detected`` False; that is not an error.

    Raises:
        InputImageError: an image cannot be read, or the result has another aspect ratio than the
            content (it is not a stylisation of it).
        ValueError: ``content_analysis`` is of an image of another size.
    """
    started = time.perf_counter()
    content_image = load_image(content, what="content image")
    result_image = load_image(result, what="result image")
    size = content_image.size
    content_ratio = size[0] / size[1]
    result_ratio = result_image.width / result_image.height
    if abs(result_ratio / content_ratio - 1) > ASPECT_TOLERANCE:
        raise InputImageError(
            f"result image is {result_image.width}x{result_image.height} but content is {size[0]}x{size[1]}: "
            "another aspect ratio, so not a stylisation of this photo"
        )
    if content_analysis is None:
        content_analysis = analyse(content_image)
    elif content_analysis.size != size:
        raise ValueError(f"content_analysis is of a {content_analysis.size} image, not the content's {size}")
    result_analysis = analyse(resize_to(result_image, size))
    report = compare_faces(content_analysis, result_analysis)
    return DistortionReport(
        report.width, report.height, report.faces, report.content_faces, report.result_faces,
        time.perf_counter() - started,
    )


def compare_faces(content: FaceAnalysis, result: FaceAnalysis) -> DistortionReport:
    """Pair the faces of two analyses of the same size and measure each pair's NME.

    Raises:
        ValueError: the analyses are of images of different sizes.
    """
    if content.size != result.size:
        raise ValueError(f"analyses of different sizes: {content.size} and {result.size}; resize the result first")
    pairs = _pair(content, result)
    faces = []
    for index, face in enumerate(content.faces):
        match = pairs.get(index)
        other = None if match is None else result.faces[match]
        nme = None
        if other is not None and face.landmarks is not None and other.landmarks is not None:
            nme = nme_of(face.landmarks, other.landmarks, face.interocular)
        faces.append(FaceDistortion(index, face.box, None if other is None else other.box, nme, face.interocular))
    return DistortionReport(content.width, content.height, tuple(faces), len(content.faces), len(result.faces))


def nme_of(reference: np.ndarray, other: np.ndarray, interocular: float | None = None) -> float:
    """Mean L2 distance between two (N, 2) landmark sets divided by ``interocular``.

    ``interocular`` defaults to the reference's outer-eye-corner distance (landmarks 33 and 263 of a
    478-point mesh).

    Raises:
        ValueError: shapes differ, or the normaliser is not positive.
    """
    reference = np.asarray(reference, dtype=np.float64)
    other = np.asarray(other, dtype=np.float64)
    if reference.shape != other.shape or reference.ndim != 2 or reference.shape[1] != 2:
        raise ValueError(f"landmark sets must both be (N, 2), not {reference.shape} and {other.shape}")
    if interocular is None:
        interocular = float(np.linalg.norm(reference[263] - reference[33]))
    if not interocular > 0:
        raise ValueError(f"the inter-ocular distance must be positive, not {interocular}")
    return float(np.linalg.norm(reference - other, axis=1).mean() / interocular)


def _pair(content: FaceAnalysis, result: FaceAnalysis) -> dict[int, int]:
    """Greedy one-to-one pairing by box IoU, best overlaps first."""
    candidates = sorted(
        (
            (face.box.iou(other.box), i, j)
            for i, face in enumerate(content.faces)
            for j, other in enumerate(result.faces)
        ),
        reverse=True,
    )
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for overlap, i, j in candidates:
        if overlap < MATCH_IOU:
            break
        if i in pairs or j in taken:
            continue
        pairs[i] = j
        taken.add(j)
    return pairs
