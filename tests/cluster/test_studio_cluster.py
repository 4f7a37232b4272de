"""The studio's HTTP API in cluster mode: same routes, jobs painted by a remote worker process."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.redis_server import require_cluster_tools

require_cluster_tools(module=True)

from facestyle.cluster.studio import ClusterStudio
from facestyle.web.app import create_app
from facestyle.web.config import StudioConfig
from tests.cluster.workers import WorkerProcess, wait_registered
from tests.web.conftest import wait_for, wait_status


@pytest.fixture
def studio_client(redis_url, prefix, tmp_path):
    config = StudioConfig(data_dir=tmp_path / "studio", preview_seconds=0.0)
    studio = ClusterStudio(config, broker=redis_url, prefix=prefix)
    worker = WorkerProcess(redis_url, prefix, tmp_path)
    try:
        wait_registered(studio.client, [worker])
        with TestClient(create_app(config, studio=studio)) as client:
            yield client
    finally:
        worker.stop()


def submit(client, face_bytes, **fields):
    files = {"content": ("face.png", face_bytes, "image/png")}
    data = {"size": "64", "steps": "8", "style_id": "starry-night", **fields}
    return client.post("/api/jobs", files=files, data=data)


def test_a_job_paints_remotely_with_events_preview_and_download(studio_client, face_path):
    health = studio_client.get("/api/health").json()
    assert health["mode"] == "cluster" and health["devices"] == ["cpu"]
    assert len(health["workers"]) == 1 and health["workers"][0]["job"] is None

    created = submit(studio_client, face_path.read_bytes())
    assert created.status_code == 202, created.text
    job = created.json()
    seen = []
    with studio_client.stream("GET", job["links"]["events"]) as events:
        for line in events.iter_lines():
            if line.startswith("data: "):
                seen.append(json.loads(line[6:]))
    assert seen[-1]["status"] == "done" and seen[-1]["progress"]["fraction"] == 1.0
    assert any(event["status"] == "running" for event in seen)
    result = studio_client.get(job["links"]["result"] + "?download=1")
    assert result.status_code == 200 and result.headers["content-disposition"].startswith("attachment;")
    assert max(Image.open(io.BytesIO(result.content)).size) == 64
    preview = studio_client.get(job["links"]["preview"])
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"

    parts = {"from_job": (None, job["id"]), "size": (None, "64"), "steps": (None, "4")}
    again = studio_client.post("/api/jobs", files=parts)
    assert again.status_code == 202, again.text
    assert wait_status(studio_client, again.json()["id"], ("done",))["status"] == "done"


def test_cancel_and_delete_through_the_api(studio_client, face_path):
    created = submit(studio_client, face_path.read_bytes(), steps="1000")
    assert created.status_code == 202, created.text
    job = created.json()
    wait_for(lambda: studio_client.get(f"/api/jobs/{job['id']}").json()["progress"]["step"] > 0, timeout=60)
    cancelled = studio_client.post(f"/api/jobs/{job['id']}/cancel").json()
    assert cancelled["status"] == "cancelled"
    assert studio_client.get(job["links"]["result"]).status_code == 409
    assert studio_client.delete(f"/api/jobs/{job['id']}").json() == {"id": job["id"], "deleted": True}
    assert studio_client.get(f"/api/jobs/{job['id']}").status_code == 404
    health = wait_for(lambda: (h := studio_client.get("/api/health").json())["workers"][0]["job"] is None and h)
    assert health["running"] == 0
