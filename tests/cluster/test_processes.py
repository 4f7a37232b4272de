"""Worker processes as deployed: several per machine under one parent, a shared image folder, no open ports."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.redis_server import require_cluster_tools

require_cluster_tools(module=True)

from facestyle.cli.entry import main
from facestyle.cluster.client import ClusterClient
from tests.cluster.workers import TINY, WorkerProcess, wait_registered
from tests.web.conftest import DATA, wait_for


def listening_socket_inodes() -> set[str]:
    """Inodes of every TCP socket listening, and every UDP socket bound, in this network namespace."""
    inodes = set()
    for table in ("tcp", "tcp6", "udp", "udp6"):
        path = Path("/proc/net") / table
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if table.startswith("udp") or fields[3] == "0A":  # 0A: TCP_LISTEN
                inodes.add(fields[9])
    return inodes


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def worker_pids(client: ClusterClient) -> set[int]:
    return {worker["pid"] for worker in client.workers()}


@pytest.fixture
def client(redis_url, prefix):
    client = ClusterClient(redis_url, prefix=prefix)
    yield client
    client.close()


def test_processes_2_runs_two_workers_restarts_a_dead_one_and_listens_nowhere(client, redis_url, prefix, tmp_path):
    parent = WorkerProcess(redis_url, prefix, tmp_path, extra=("--processes", "2"))
    try:
        children = wait_for(lambda: worker_pids(client) if len(worker_pids(client)) == 2 else None, timeout=60)
        assert parent.pid not in children
        # Nothing a worker opens accepts connections: it only dials out to Redis.
        listening = listening_socket_inodes()
        for pid in (parent.pid, *children):
            assert not socket_inodes(pid) & listening, f"process {pid} listens on a port"
        # Each child paints with its share of the two cores.
        job_id = client.submit(DATA / "face_small.png", style_id="starry-night", settings={**TINY, "seed": 3})
        assert client.wait(job_id, timeout=90).status == "done"

        dead = min(children)
        os.kill(dead, signal.SIGKILL)
        # The parent starts a new child in its place; the dead one's registry entry expires with its heartbeat.
        renewed = wait_for(lambda: (pids := worker_pids(client) - {dead}) and len(pids) == 2 and pids, timeout=90)
        assert renewed != children
        assert "starting it again" in parent.output()
    finally:
        parent.stop()
    assert parent.process.returncode == 0
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()


def test_a_shared_blobs_folder_carries_the_images_and_redis_holds_none(redis_url, prefix, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    client = ClusterClient(redis_url, prefix=prefix, blobs_dir=shared)
    worker = WorkerProcess(redis_url, prefix, tmp_path, extra=("--blobs", str(shared)))
    try:
        wait_registered(client, [worker])
        job_id = client.submit(DATA / "face_small.png", DATA / "style_small.png", settings={**TINY, "seed": 4})
        job = client.wait(job_id, timeout=90)
        assert job.status == "done", job.error
        stored = sorted(path.name for path in (shared / job_id).iterdir())
        assert {"content.png", "style.png", "result-1.png"} <= set(stored), stored
        assert client.result(job_id)[:8] == b"\x89PNG\r\n\x1a\n"
        assert not client.store.redis.exists(f"{prefix}blob:{job_id}")
        client.delete(job_id)
        assert not (shared / job_id).exists()
    finally:
        worker.stop()
        client.close()


def test_serve_in_cluster_mode_listens_on_loopback_unless_told(redis_url, prefix, tmp_path, monkeypatch):
    import uvicorn

    seen = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: seen.append((self.config.app, self.config)))
    monkeypatch.setenv("FACESTYLE_BROKER", redis_url)
    assert main(["serve", "--data-dir", str(tmp_path / "web"), "--key-prefix", prefix]) == 0
    [(app, config)] = seen
    assert config.host == "127.0.0.1" and app.state.studio.mode == "cluster"
    app.state.studio.stop()


def test_all_gpus_on_a_machine_without_one_is_one_line(redis_url, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    assert main(["worker", "--broker", redis_url, "--device", "all-gpus"]) == 2
    err = capsys.readouterr().err
    assert "found no CUDA GPU here; use --device cpu" in err and err.count("\n") == 1
