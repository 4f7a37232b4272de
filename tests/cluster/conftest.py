"""Fixtures of the cluster tests: a fresh key prefix per test on the session's redis-server, a private server."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Iterator

import pytest

from tests.redis_server import RedisServer, require_cluster_tools


@pytest.fixture
def prefix() -> str:
    """Keys of one test, apart from every other test's on the shared server."""
    return f"fstest-{secrets.token_hex(4)}:"


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    return redis_server.url


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test alone, with the append-only file on, to restart at will."""
    require_cluster_tools()
    server = RedisServer(tmp_path / "redis", appendonly=True).start()
    yield server
    server.stop()
