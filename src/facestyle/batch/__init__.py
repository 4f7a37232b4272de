"""Painting a folder of photos: ``facestyle batch`` and :func:`paint_folder`.

:mod:`~facestyle.batch.plan` finds the photos and decides which are already done,
:mod:`~facestyle.batch.runner` paints the rest (in this process by default) and
:mod:`~facestyle.batch.folder` writes the portraits and ``summary.csv`` (docs/cli.md#facestyle-batch).
"""

from facestyle.batch.folder import (
    ALREADY_DONE,
    DONE,
    FAILED,
    NOT_RUN,
    SUMMARY_COLUMNS,
    BatchCallback,
    BatchReport,
    BatchUpdate,
    PhotoRow,
    paint_folder,
    write_summary,
)
from facestyle.batch.plan import (
    PHOTO_SUFFIXES,
    SUMMARY_NAME,
    PhotoJob,
    find_photos,
    output_names,
)
from facestyle.batch.runner import InProcessRunner, Painted, Runner, StepCallback

__all__ = [
    "ALREADY_DONE",
    "DONE",
    "FAILED",
    "NOT_RUN",
    "PHOTO_SUFFIXES",
    "SUMMARY_COLUMNS",
    "SUMMARY_NAME",
    "BatchCallback",
    "BatchReport",
    "BatchUpdate",
    "InProcessRunner",
    "Painted",
    "PhotoJob",
    "PhotoRow",
    "Runner",
    "StepCallback",
    "find_photos",
    "output_names",
    "paint_folder",
    "write_summary",
]
