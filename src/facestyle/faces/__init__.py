"""The face stage: find faces and their landmarks, turn them into soft masks, measure distortion.

:func:`analyse` gives a :class:`FaceAnalysis` (faces with their 478-point meshes, and a person
mask); :func:`region_masks` and :func:`feature_mask` turn it into soft masks; a run analyses its
photo and painting once (:func:`analyse_pair`, a :class:`FaceGuide`) and gets the masks of each
scale as one :class:`FaceMasks` (:func:`face_masks`), which the engine hands to the objective; :func:`landmark_nme` measures how far a stylisation moved the landmarks. Importing
this package does not import mediapipe: the models load on the first analysis (docs/faces.md).
"""

from facestyle.faces.analysis import analyse
from facestyle.faces.distortion import (
    DistortionReport,
    FaceDistortion,
    compare_faces,
    landmark_nme,
    nme_of,
)
from facestyle.faces.guide import FaceGuide, FaceMasks, analyse_pair, face_masks
from facestyle.faces.masks import (
    FACE_REGIONS,
    FEATURE_PARTS,
    REGIONS,
    feature_mask,
    region_masks,
    resize_masks,
)
from facestyle.faces.overlay import render_mask_overlay
from facestyle.faces.types import (
    KEYPOINT_NAMES,
    LANDMARKS,
    NO_FACE_NOTICE,
    NUM_LANDMARKS,
    PROFILE_YAW,
    Box,
    Face,
    FaceAnalysis,
)

__all__ = [
    "FACE_REGIONS",
    "FEATURE_PARTS",
    "KEYPOINT_NAMES",
    "LANDMARKS",
    "NO_FACE_NOTICE",
    "NUM_LANDMARKS",
    "PROFILE_YAW",
    "REGIONS",
    "Box",
    "DistortionReport",
    "Face",
    "FaceAnalysis",
    "FaceDistortion",
    "FaceGuide",
    "FaceMasks",
    "analyse",
    "analyse_pair",
    "compare_faces",
    "face_masks",
    "feature_mask",
    "landmark_nme",
    "nme_of",
    "region_masks",
    "render_mask_overlay",
    "resize_masks",
]
