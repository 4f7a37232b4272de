"""Phone-size test photos made from the bundled ones, for the benchmarks that need large uploads."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from facestyle.image.io import load_image


def phone_jpeg(source: Path, megapixels: float) -> bytes:
    """``source`` enlarged to about ``megapixels`` (bicubic, with mild noise standing in for a
    sensor's detail), as quality-92 JPEG bytes: a phone photo's amount of data for the decoder."""
    image = load_image(source)
    scale = (megapixels * 1e6 / (image.width * image.height)) ** 0.5
    size = (round(image.width * scale), round(image.height * scale))
    big = np.asarray(image.resize(size, Image.Resampling.BICUBIC), dtype=np.float32)
    big += np.random.default_rng(0).normal(0.0, 4.0, big.shape).astype(np.float32)
    out = io.BytesIO()
    Image.fromarray(np.clip(big, 0, 255).astype(np.uint8)).save(out, format="JPEG", quality=92)
    return out.getvalue()
