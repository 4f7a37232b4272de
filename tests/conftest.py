"""Shared fixtures: small images made on the fly and the bundled test photos."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from PIL import Image

from tests.redis_server import RedisServer, require_cluster_tools

DATA = Path(__file__).parent / "data"


@pytest.fixture
def face_path() -> Path:
    return DATA / "face_small.png"


@pytest.fixture
def style_path() -> Path:
    return DATA / "style_small.png"


@pytest.fixture
def portrait_path() -> Path:
    """A colour studio portrait, 192×256, one frontal face of about 80 px."""
    return DATA / "face_koch_256.jpg"


@pytest.fixture
def gray_portrait_path() -> Path:
    """A grayscale (mode L) JPEG portrait, 181×256."""
    return DATA / "face_washington_gray_256.jpg"


@pytest.fixture
def painted_portrait_path() -> Path:
    """Vermeer's Girl with a Pearl Earring, 222×256: a painted face in three-quarter view."""
    return DATA / "style_vermeer_256.jpg"


@pytest.fixture
def gradient_image() -> Image.Image:
    """A 40×24 RGB image whose pixels are all different, to catch flips and squashes."""
    y, x = np.mgrid[0:24, 0:40]
    array = np.stack([x * 6, y * 10, (x + y) * 4], axis=-1).astype(np.uint8)
    return Image.fromarray(array, "RGB")


def read_image(path) -> Image.Image:
    """Open, decode and close an image file (tests run with ResourceWarning as an error)."""
    with Image.open(path) as image:
        image.load()
        return image


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    require_cluster_tools()
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _own_signal_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tuned style signals go to (and are looked up in) a folder of the test run, never the user's cache."""
    monkeypatch.setenv("FACESTYLE_SIGNALS", str(tmp_path_factory.mktemp("signals")))
