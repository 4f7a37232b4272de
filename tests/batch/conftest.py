"""A folder of small photos for the batch tests."""

import numpy as np
import pytest
from PIL import Image

#: Tiny runs: the batch's logic is under test, not the painting.
TINY = {"size": 32, "steps": 2, "scales": 1}


@pytest.fixture
def photos(tmp_path, face_path, portrait_path):
    """A folder with two face photos and a text file that is not a photo."""
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "anna.png").write_bytes(face_path.read_bytes())
    (folder / "ben.jpg").write_bytes(portrait_path.read_bytes())
    (folder / "notes.txt").write_text("not a photo")
    return folder


def add_broken_photos(folder):
    """A file that is no image and a JPEG cut short."""
    (folder / "broken.jpg").write_text("not an image")
    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8))
    noise.save(folder / "whole.jpg")
    data = (folder / "whole.jpg").read_bytes()
    (folder / "whole.jpg").unlink()
    (folder / "cut.jpg").write_bytes(data[: len(data) // 3])
