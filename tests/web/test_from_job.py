"""Re-rendering without re-uploading: POST /api/jobs with from_job reuses an earlier job's inputs."""

from __future__ import annotations

import io
import time

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from facestyle.web.app import create_app
from facestyle.web.files import JobFiles
from tests.web.conftest import TINY, SlowEngine, wait_status


@pytest.fixture
def engine():
    return SlowEngine(steps=3, step_seconds=0.0)


@pytest.fixture
def config(make_config):
    return make_config()


@pytest.fixture
def client(config, engine):
    with TestClient(create_app(config, engine=engine)) as client:
        yield client


def upload(client, face_bytes, style_bytes=None, **fields):
    files = {"content": ("face.png", face_bytes, "image/png")}
    if style_bytes is not None:
        files["style"] = ("painting.png", style_bytes, "image/png")
    else:
        fields.setdefault("style_id", "starry-night")
    return client.post("/api/jobs", files=files, data={**TINY, **fields})


def rerender(client, job_id, files=None, **fields):
    """A job from ``job_id``: multipart with plain fields only (``(None, value)`` parts), as the page sends it."""
    parts = {"from_job": (None, job_id), **{name: (None, str(value)) for name, value in {**TINY, **fields}.items()}}
    return client.post("/api/jobs", files={**parts, **(files or {})})


def stored(config, job_id, name):
    return (config.jobs_dir / job_id / name).read_bytes()


def test_from_job_reuses_the_photo_and_the_uploaded_painting_byte_for_byte(client, config, engine, face_bytes, style_bytes):
    first = upload(client, face_bytes, style_bytes).json()
    wait_status(client, first["id"], ("done",))
    again = rerender(client, first["id"], quality="fast", strength="0.4")
    assert again.status_code == 202, again.text
    second = again.json()
    assert second["id"] != first["id"] and again.headers["location"] == f"/api/jobs/{second['id']}"
    assert second["style_id"] is None and second["options"]["strength"] == 0.4
    for name in (JobFiles.CONTENT, JobFiles.STYLE):
        assert stored(config, second["id"], name) == stored(config, first["id"], name)
    assert wait_status(client, second["id"], ("done", "failed"))["status"] == "done"
    assert engine.calls[-1]["content"] == config.jobs_dir / second["id"] / JobFiles.CONTENT
    assert engine.calls[-1]["strength"] == 0.4
    assert client.get(f"/api/jobs/{second['id']}/result").status_code == 200


def test_from_job_keeps_a_gallery_painting_or_takes_a_new_one(client, config, face_bytes, style_bytes):
    first = upload(client, face_bytes, style_id="great-wave").json()
    same = rerender(client, first["id"]).json()
    assert same["style_id"] == "great-wave"
    assert not (config.jobs_dir / same["id"] / JobFiles.STYLE).exists()
    other = rerender(client, first["id"], style_id="the-scream").json()
    assert other["style_id"] == "the-scream"
    uploaded = rerender(client, first["id"], files={"style": ("art.png", style_bytes, "image/png")})
    assert uploaded.status_code == 202, uploaded.text
    assert uploaded.json()["style_id"] is None
    with Image.open(config.jobs_dir / uploaded.json()["id"] / JobFiles.STYLE) as painting:
        assert painting.size == Image.open(io.BytesIO(style_bytes)).size
    assert stored(config, uploaded.json()["id"], JobFiles.CONTENT) == stored(config, first["id"], JobFiles.CONTENT)
    for job in (first, same, other, uploaded.json()):
        assert wait_status(client, job["id"], ("done", "failed"))["status"] == "done"


def test_the_new_job_keeps_its_inputs_when_the_original_is_deleted_and_the_other_way_round(
    client, config, face_bytes, style_bytes
):
    first = upload(client, face_bytes, style_bytes).json()
    second = rerender(client, first["id"]).json()
    photo = stored(config, first["id"], JobFiles.CONTENT)
    wait_status(client, first["id"], ("done",))
    assert client.delete(f"/api/jobs/{first['id']}").status_code == 200
    assert not (config.jobs_dir / first["id"]).exists()
    assert stored(config, second["id"], JobFiles.CONTENT) == photo
    assert wait_status(client, second["id"], ("done", "failed"))["status"] == "done"
    # A chain goes on from the copy, and deleting the later job leaves the earlier one whole.
    third = rerender(client, second["id"], strength="0.2").json()
    wait_status(client, third["id"], ("done",))
    assert client.delete(f"/api/jobs/{third['id']}").status_code == 200
    assert stored(config, second["id"], JobFiles.CONTENT) == photo
    assert stored(config, second["id"], JobFiles.STYLE)
    assert client.get(f"/api/jobs/{second['id']}/result").status_code == 200


@pytest.mark.parametrize("job_id", ["A" * 22, "..", "x" * 400, "deleted"])
def test_an_unknown_or_deleted_job_is_404_with_one_line(client, face_bytes, job_id):
    if job_id == "deleted":
        job_id = upload(client, face_bytes).json()["id"]
        client.delete(f"/api/jobs/{job_id}")
    response = rerender(client, job_id)
    assert response.status_code == 404, response.text
    body = response.json()
    assert set(body) == {"error"} and "from_job" in body["error"] and "\n" not in body["error"]
    assert client.get("/api/health").json()["queued"] == 0


def test_an_expired_job_is_404_even_before_the_janitor_sweeps_it(make_config, engine, face_bytes):
    config = make_config(retention_hours=1 / 3600, sweep_seconds=3600)  # one second; no sweep meanwhile
    with TestClient(create_app(config, engine=engine)) as client:
        job = upload(client, face_bytes).json()
        wait_status(client, job["id"], ("done",))
        time.sleep(1.1)
        assert client.get(f"/api/jobs/{job['id']}").status_code == 200  # still listed until swept
        response = rerender(client, job["id"])
        assert response.status_code == 404 and "expired" in response.json()["error"]


def test_from_job_with_a_photo_too_is_422_and_other_mixes_are_refused(client, face_bytes, style_bytes):
    job = upload(client, face_bytes).json()
    both = rerender(client, job["id"], files={"content": ("face.png", face_bytes, "image/png")})
    assert both.status_code == 422 and both.json() == {"error": "send either a 'content' photo or 'from_job', not both"}
    two_styles = rerender(client, job["id"], style_id="great-wave", files={"style": ("a.png", style_bytes, "image/png")})
    assert two_styles.status_code == 400 and "only one of 'style'" in two_styles.json()["error"]
    as_file = client.post("/api/jobs", files={"from_job": ("id.txt", job["id"].encode(), "text/plain")})
    assert as_file.status_code == 400 and "'from_job' must be the id" in as_file.json()["error"]
    bad_option = rerender(client, job["id"], strength="lots")
    assert bad_option.status_code == 422 and "strength must be a number" in bad_option.json()["error"]
    neither = client.post("/api/jobs", files={"style_id": (None, "great-wave")})
    assert neither.status_code == 400 and "or from_job=<id>" in neither.json()["error"]


def test_from_job_is_on_the_openapi_page(client):
    form = client.get("/openapi.json").json()["paths"]["/api/jobs"]["post"]["requestBody"]["content"]
    assert "from_job" in form["multipart/form-data"]["schema"]["properties"]


def test_the_real_fast_method_re_renders_at_another_strength(make_config, face_bytes):
    with TestClient(create_app(make_config())) as client:
        fields = {"quality": "fast", "size": "48", "steps": ""}
        first = upload(client, face_bytes, **fields, strength="1.0").json()
        second = rerender(client, first["id"], **fields, strength="0.0").json()
        results = []
        for job in (first, second):
            done = wait_status(client, job["id"], ("done", "failed"))
            assert done["status"] == "done", done["error"]
            results.append(Image.open(io.BytesIO(client.get(done["links"]["result"]).content)).convert("RGB"))
    assert results[0].size == results[1].size
    assert results[0].tobytes() != results[1].tobytes()


def test_the_print_version_is_the_same_portrait_at_the_print_size(tmp_path, engine, make_config):
    # Photos are kept at the print size, so a print of a large upload keeps its detail.
    config = make_config(max_size=64, print_size=128)
    big = io.BytesIO()
    Image.new("RGB", (300, 200), (120, 90, 60)).save(big, "PNG")
    with TestClient(create_app(config, engine=engine)) as client:
        assert client.get("/api/options").json()["limits"]["print_size"] == 128
        first = upload(client, big.getvalue()).json()
        wait_status(client, first["id"], ("done",))
        assert Image.open(io.BytesIO(stored(config, first["id"], JobFiles.CONTENT))).size == (128, 85)
        printed = rerender(client, first["id"], size=128)
        assert printed.status_code == 202, printed.text
        assert printed.json()["options"]["size"] == 128
        assert rerender(client, first["id"], size=129).status_code == 422
