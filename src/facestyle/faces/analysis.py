"""The face stage's entry point: :func:`analyse` finds every face with its landmarks, and the person.

How the faces are found, and why (docs/faces.md has the evidence):

1. Both BlazeFace detectors run on copies of the image already shrunk, with antialiasing, to
   their input size, plain and blurred, and on tiles of a large image
   (:mod:`facestyle.faces.detect`): mediapipe's own resize aliases engraving lines, brush strokes
   and grain into noise and then misses faces, and a face of 30 px in a 1400 px photo is too small
   for a pass over the whole image.
2. Each detection is meshed on several crops around it and the agreeing meshes are averaged
   (:mod:`facestyle.faces.mesh`). A weak detection is kept only if the crops agree, because
   texture (a dark coat, a patterned robe) fools the detector. A strong detection the mesh cannot
   fit is kept without landmarks (``landmarks is None``).
3. The selfie segmentation gives the person mask, with a head-and-shoulders shape where it sees
   nobody on a face (:mod:`facestyle.faces.segment`).

The typed results live in :mod:`facestyle.faces.types` and are re-exported here.
"""

from __future__ import annotations

import time

import numpy as np
from PIL import Image

from facestyle.faces.detect import detect_faces, detect_quick
from facestyle.faces.mesh import head_yaw, landmark_extent, mesh_face, mesh_once
from facestyle.faces.models import using_models
from facestyle.faces.segment import segment_person
from facestyle.faces.types import (
    KEYPOINT_NAMES,
    LANDMARKS,
    NO_FACE_NOTICE,
    NUM_LANDMARKS,
    PROFILE_YAW,
    SAME_FACE_IOU,
    Box,
    Face,
    FaceAnalysis,
)
from facestyle.image.io import ImageSource, load_image, pixel_digest
from facestyle.kept import Kept

__all__ = [
    "KEYPOINT_NAMES",
    "LANDMARKS",
    "NO_FACE_NOTICE",
    "NUM_LANDMARKS",
    "PROFILE_YAW",
    "Box",
    "Face",
    "FaceAnalysis",
    "analyse",
    "analyse_quick",
    "analyse_quick_cached",
]

_DEFAULT_MAX_FACES = 8
_MIN_SCORE = 0.5
#: A detection this confident, or found by this many detector passes, needs no second opinion.
_STRONG_SCORE = 0.8
_STRONG_VOTES = 5
#: A face the mesh cannot fit is still kept when the detector is this sure of it.
_DETECTION_ONLY_SCORE = 0.75


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
    with using_models():
        faces = _find_faces(rgb, max_faces=max_faces, min_score=min_score)
        person, guessed = segment_person(rgb, faces)
    return FaceAnalysis(width, height, tuple(faces), person, time.perf_counter() - started, guessed)


def analyse_quick(image: ImageSource, *, max_faces: int = _DEFAULT_MAX_FACES, min_score: float = _MIN_SCORE) -> FaceAnalysis:
    """The faces and landmarks of a portrait photo in a few milliseconds, for the fast mode's face step.

    One detector pass (a second, full-range one when the first finds nothing) and one mesh crop
    per face; no person mask (all zeros), no confirmation of weak detections. The face step needs
    only the features' landmarks, and on the bundled photos this kept the same landmark NME as
    :func:`analyse` (BENCHMARKS.md#fast-mode). A photo where it finds no meshed face gets the full
    :func:`analyse`, so a face that is merely hard to find is not missed.
    """
    started = time.perf_counter()
    picture = load_image(image)
    rgb = np.ascontiguousarray(np.asarray(picture.convert("RGB"), dtype=np.uint8))
    height, width = rgb.shape[:2]
    faces: list[Face] = []
    with using_models():
        for found in detect_quick(picture, min_score):
            points = mesh_once(rgb, found.box)
            if points is not None and not any(face.box.iou(found.box) > SAME_FACE_IOU for face in faces):
                faces.append(Face(found.box, found.score, found.keypoints, points[:, :2], head_yaw(points), "mesh"))
    if not faces:
        return analyse(picture, max_faces=max_faces, min_score=min_score)
    faces.sort(key=lambda face: face.box.area, reverse=True)
    person = np.zeros((height, width), dtype=np.float32)
    return FaceAnalysis(width, height, tuple(faces[:max_faces]), person, time.perf_counter() - started)


#: How many photos' quick analyses a process keeps (each holds its landmarks and an empty person
#: mask, about 1 MB at 512 px).
QUICK_ANALYSES_KEPT = 8

_quick_analyses: Kept[FaceAnalysis] = Kept(QUICK_ANALYSES_KEPT)


def analyse_quick_cached(picture: Image.Image) -> FaceAnalysis:
    """:func:`analyse_quick` of ``picture``, kept per process by its pixels: the studio paints one
    photo again when a slider moves, a batch paints it in many styles, and the fast mode's
    analysis is a sixth of its time (BENCHMARKS.md#fast-mode). A kept analysis is shared: do not
    change it."""
    return _quick_analyses.get(pixel_digest(picture), lambda: analyse_quick(picture))


def _find_faces(rgb: np.ndarray, *, max_faces: int, min_score: float) -> list[Face]:
    """The detections that are faces, meshed where the mesh fits, largest first."""
    height, width = rgb.shape[:2]
    faces: list[Face] = []
    for found in detect_faces(rgb, min_score):
        if any(face.box.iou(found.box) > SAME_FACE_IOU for face in faces):
            continue
        # A weak detection (low score, seen by few passes) must give the same mesh twice: texture
        # (a dark coat, a patterned robe) fools the detector and even the mesh once, rarely twice.
        strong = found.score >= _STRONG_SCORE or found.votes >= _STRONG_VOTES
        points = mesh_face(rgb, found.box, confirm=not strong)
        if points is not None:
            extent = landmark_extent(points[:, :2], width, height)
            if any(
                face.has_mesh and landmark_extent(face.landmarks, width, height).iou(extent) > SAME_FACE_IOU
                for face in faces
            ):
                continue
            faces.append(Face(found.box, found.score, found.keypoints, points[:, :2], head_yaw(points), "mesh"))
        elif strong and not found.from_tile and found.score >= max(min_score, _DETECTION_ONLY_SCORE):
            faces.append(Face(found.box, found.score, found.keypoints, None, None, "detection"))
    faces.sort(key=lambda face: face.box.area, reverse=True)
    return faces[:max_faces]
