"""Fixtures of the studio tests: configs in tmp folders, clients, stand-in engines, image bytes, a live server."""

from __future__ import annotations

import io
import socket
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from PIL import ExifTags, Image

from facestyle.engine import Progress, Result
from facestyle.image.io import load_image, resize_long_side
from facestyle.settings import make_settings
from facestyle.web.config import StudioConfig

DATA = Path(__file__).parent.parent / "data"
EXAMPLES = Path(__file__).parents[2] / "examples"

#: Options that make the real engine finish in well under a second on two cores.
TINY = {"size": "32", "steps": "3"}


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., StudioConfig]:
    def make(**changes: Any) -> StudioConfig:
        values: dict[str, Any] = {"data_dir": tmp_path / "studio", "preview_seconds": 0.0, "devices": ("cpu",)}
        values.update(changes)
        return StudioConfig(**values)

    return make


@pytest.fixture
def face_bytes() -> bytes:
    return (DATA / "face_small.png").read_bytes()


@pytest.fixture
def style_bytes() -> bytes:
    return (DATA / "style_small.png").read_bytes()


def encode(image: Image.Image, fmt: str = "PNG", **kwargs: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    """A 48×40 JPEG carrying a GPS position, a description and an orientation tag."""
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = "private description"
    exif[ExifTags.Base.Orientation] = 6  # rotated: the stored copy must come out upright, 40×48
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 22.0, 1.0)}
    image = load_image(DATA / "face_small.png").resize((48, 40))
    return encode(image, "JPEG", exif=exif, quality=90)


class SlowEngine:
    """Stands in for :func:`facestyle.stylize`: ``steps`` progress events ``step_seconds`` apart.

    It honours the callback like the engine does (an exception from it stops the run), so tests
    of cancelling, deleting and stopping do not depend on how fast VGG runs on this machine.
    """

    def __init__(self, *, steps: int = 400, step_seconds: float = 0.01):
        self.steps = steps
        self.step_seconds = step_seconds
        self.started = threading.Event()
        self.calls: list[dict[str, Any]] = []

    def __call__(self, content: Any, style: Any, *, progress: Callable[[Progress], Any], **options: Any) -> Result:
        self.calls.append({"content": content, "style": style, **options})
        image = resize_long_side(load_image(content), 32)
        load_image(style)
        self.started.set()
        for step in range(1, self.steps + 1):
            time.sleep(self.step_seconds)
            progress(Progress(step, self.steps, {"total": 1.0 / step}, 0.0, image.size, step, lambda: image))
        settings = make_settings(**{k: v for k, v in options.items() if k not in ("progress", "fast_preview")})
        return Result(image=image, history=[], settings=settings, seconds=0.0, device=str(options.get("device")))


@pytest.fixture
def slow_engine() -> SlowEngine:
    return SlowEngine()


def wait_for(predicate: Callable[[], Any], *, timeout: float = 20.0, every: float = 0.02) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s")


def wait_status(client: Any, job_id: str, statuses: tuple[str, ...], timeout: float = 90.0) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        body = client.get(f"/api/jobs/{job_id}").json()
        return body if body.get("status") in statuses else None

    return wait_for(check, timeout=timeout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """The studio served by uvicorn on a free loopback port, in a thread of this process."""

    def __init__(self, config: StudioConfig, **app_options: Any):
        import uvicorn

        from facestyle.web.app import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(config, **app_options)
        self.server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=2)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        wait_for(lambda: self.server.started, timeout=30)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@pytest.fixture
def live_server(make_config: Callable[..., StudioConfig]) -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def start(**config_changes: Any) -> LiveServer:
        engine = config_changes.pop("engine", None)
        server = LiveServer(make_config(**config_changes), **({"engine": engine} if engine else {}))
        servers.append(server.__enter__())
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture(scope="module")
def remote_painter(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """One real ``facestyle worker`` process on the session's redis-server for a module's cluster-mode tests.

    Yields the broker URL and the key prefix the worker serves.
    """
    from tests.redis_server import require_cluster_tools

    require_cluster_tools()
    import secrets

    from facestyle.cluster.client import ClusterClient
    from tests.cluster.workers import WorkerProcess, wait_registered

    url = request.getfixturevalue("redis_server").url
    prefix = f"fstest-{secrets.token_hex(4)}:"
    worker = WorkerProcess(url, prefix, tmp_path_factory.mktemp("worker"))
    client = ClusterClient(url, prefix=prefix)
    try:
        wait_registered(client, [worker])
        yield url, prefix
    finally:
        client.close()
        worker.stop()


@pytest.fixture(params=["embedded", "cluster"])
def client(request: pytest.FixtureRequest, make_config: Callable[..., StudioConfig]) -> Iterator[Any]:
    """The studio's HTTP API in both modes: embedded (SQLite, painter threads) and cluster (Redis, a worker process)."""
    from fastapi.testclient import TestClient

    from facestyle.web.app import create_app

    config = make_config()
    if request.param == "embedded":
        with TestClient(create_app(config)) as client:
            yield client
        return
    from facestyle.cluster.studio import ClusterStudio

    url, prefix = request.getfixturevalue("remote_painter")
    with TestClient(create_app(config, studio=ClusterStudio(config, broker=url, prefix=prefix))) as client:
        yield client
