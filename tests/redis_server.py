"""A real redis-server for tests: private, in a temp folder, on a random loopback port, with a password.

Cluster tests need the Debian ``redis-server`` and the ``cluster`` extra (Celery). Locally they
are skipped with the reason when either is missing; in CI (``CI=true``) they fail instead, so a
broken set-up cannot pass unnoticed.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

PASSWORD = "s3cret-test-pass"


def require_cluster_tools(*, module: bool = False) -> None:
    """Skip (locally) or fail (CI) when redis-server or Celery is missing; ``module``: at import of a test module."""
    missing = []
    if shutil.which("redis-server") is None:
        missing.append("redis-server (apt-get install redis-server)")
    for module in ("celery", "redis"):
        if importlib.util.find_spec(module) is None:
            missing.append(f"the Python package {module} (pip install -e '.[cluster]')")
    if missing:
        message = "cluster tests need " + " and ".join(missing) + "; scripts/setup.sh test installs them"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message, allow_module_level=module)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """One redis-server process; ``restart`` keeps the port, password and data folder."""

    def __init__(self, folder: Path, *, appendonly: bool = False):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.appendonly = appendonly
        self.process: subprocess.Popen | None = None
        self.url = f"redis://:{PASSWORD}@127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        command = [
            "redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--requirepass", PASSWORD,
            "--dir", str(self.folder), "--save", "", "--daemonize", "no", "--loglevel", "warning",
            "--appendonly", "yes" if self.appendonly else "no", "--appendfsync", "always",
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        try:
            while time.monotonic() < deadline:
                try:
                    if client.ping():
                        return self
                except redis.exceptions.ConnectionError:
                    time.sleep(0.05)
        finally:
            client.close()
        raise RuntimeError("redis-server did not start within 10 s")

    def stop(self, *, kill: bool = False) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        self.process.wait(10)
        self.process = None

    def restart(self, *, kill: bool = False) -> None:
        self.stop(kill=kill)
        self.start()
