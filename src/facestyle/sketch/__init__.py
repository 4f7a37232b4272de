"""Drawings of a face photo in pencil, charcoal or ink (``facestyle sketch``); see docs/sketch.md."""

from facestyle.sketch.drawing import QUALITIES, TEXTURES, sketch
from facestyle.sketch.exemplars import DEFAULT_MEDIUM, MEDIUMS

__all__ = ["DEFAULT_MEDIUM", "MEDIUMS", "QUALITIES", "TEXTURES", "sketch"]
