"""The mediapipe models of the face stage, loaded once, shared between threads, kept quiet.

Three models of ``mediapipe==0.10.21``, all bundled with its wheel and run offline on the CPU:
BlazeFace detection (short and full range), the face mesh with refined eyes and lips (468 + 10 iris
points) and the selfie segmentation. mediapipe is imported on first use only, so importing
:mod:`facestyle.faces` (and drawing masks from a saved analysis) does not need it. Every call of
:data:`MODELS` must happen inside :func:`using_models`.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

import numpy as np

from facestyle.faces.types import KEYPOINT_NAMES, NUM_LANDMARKS, Box

#: The mesh's own detector threshold inside a crop already known to hold a face.
_CROP_MESH_SCORE = 0.5
#: The detectors' own threshold: low, so that one model serves every ``min_score`` of the callers.
_DETECTOR_FLOOR = 0.3

#: One detector hit: the box and the six keypoints (:data:`KEYPOINT_NAMES`) in pixels, and the score.
Hit = tuple[Box, float, dict[str, tuple[float, float]]]


class Models:
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

    def detect(self, rgb: np.ndarray, *, full_range: bool, min_score: float) -> list[Hit]:
        """BlazeFace: short range (faces within ~2 m, 128 px input) or full range (192 px input)."""
        model = self._detectors.get(full_range)
        if model is None:
            model = self._solutions().face_detection.FaceDetection(
                model_selection=1 if full_range else 0, min_detection_confidence=_DETECTOR_FLOOR
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
            found.append((box, score, points))
        return found

    def segment(self, rgb: np.ndarray) -> np.ndarray:
        """Person probability (H, W) float32 in [0, 1]."""
        if self._segmenter is None:
            self._segmenter = self._solutions().selfie_segmentation.SelfieSegmentation(model_selection=0)
        mask = self._segmenter.process(rgb).segmentation_mask
        return np.clip(np.asarray(mask, dtype=np.float32), 0.0, 1.0)


#: The one set of models of this process.
MODELS = Models()


@contextlib.contextmanager
def using_models() -> Iterator[Models]:
    """Hold the models' lock and keep mediapipe's native logs off the terminal while they run."""
    with MODELS.lock, quiet_native_stderr():
        yield MODELS


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
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
