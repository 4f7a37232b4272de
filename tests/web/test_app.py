"""The HTTP API end to end through FastAPI's test client: life cycle, cancelling, restarts, errors."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from facestyle.image.io import read_metadata
from facestyle.web import gallery, presets
from facestyle.web.app import create_app
from facestyle.web.routes import events
from facestyle.web.files import JobFiles, new_job_id
from facestyle.web.store import SqliteJobStore
from tests.web.conftest import (
    TINY,
    SlowEngine,
    encode,
    jpeg_with_gps,
    wait_for,
    wait_status,
)


def submit(client, face_bytes, *, style=None, style_id="starry-night", **fields):
    files = {"content": ("face.png", face_bytes, "image/png")}
    if style is not None:
        files["style"] = ("painting.png", style, "image/png")
    data = {**TINY, **fields}
    if style is None and style_id is not None:
        data["style_id"] = style_id
    return client.post("/api/jobs", files=files, data=data)


def test_health_styles_and_options(client):
    health = client.get("/api/health").json()
    assert health["status"] == "ok" and health["devices"] == ["cpu"]
    styles = client.get("/api/styles").json()["styles"]
    assert [s["id"] for s in styles] == [p.id for p in gallery.PAINTINGS]
    thumb = client.get(styles[0]["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    options = client.get("/api/options").json()
    assert [q["name"] for q in options["qualities"]] == ["fast", "balanced", "best"]
    assert options["limits"]["max_upload_bytes"] == 20 * 1024 * 1024


def test_a_job_runs_from_queued_to_done_and_its_result_downloads(client, face_bytes):
    created = submit(client, face_bytes, quality="balanced")
    assert created.status_code == 202, created.text
    job = created.json()
    assert created.headers["location"] == f"/api/jobs/{job['id']}"
    assert job["status"] in ("queued", "running") and len(job["id"]) == 22
    assert job["options"] == {"method": "gatys", "size": 32, "steps": 3}  # the preset, then explicit fields

    # Follow it the way the page does: server-sent events until it ends.
    seen = []
    with client.stream("GET", job["links"]["events"]) as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        for line in events.iter_lines():
            if line.startswith("data: "):
                seen.append(json.loads(line[6:]))
    assert seen[-1]["status"] == "done" and seen[-1]["progress"]["fraction"] == 1.0

    done = client.get(f"/api/jobs/{job['id']}").json()
    assert done["status"] == "done" and done["error"] is None and done["costs"]["total"] > 0
    result = client.get(done["links"]["result"])
    assert result.status_code == 200 and result.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(result.content))
    assert image.size == (24, 32)  # the photo's aspect ratio at size 32
    attachment = client.get(done["links"]["result"] + "?download=1")
    assert attachment.headers["content-disposition"].startswith("attachment;")
    preview = client.get(done["links"]["preview"])
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"


def test_the_event_stream_carries_progress_and_new_previews_while_it_paints(make_config, face_bytes):
    engine = SlowEngine(steps=40, step_seconds=0.03)  # about a second: long enough to watch
    with TestClient(create_app(make_config(), engine=engine)) as client:
        job = submit(client, face_bytes).json()
        with client.stream("GET", job["links"]["events"]) as events:
            seen = [json.loads(line[6:]) for line in events.iter_lines() if line.startswith("data: ")]
    running = [update for update in seen if update["status"] == "running"]
    assert len(running) >= 2 and seen[-1]["status"] == "done"
    steps = [update["progress"]["step"] for update in running]
    assert steps == sorted(steps) and steps[-1] > steps[0]
    assert running[-1]["preview_version"] > running[0]["preview_version"] >= 0
    assert running[-1]["costs"]["total"] > 0 and running[-1]["progress"]["total_steps"] == 40


@pytest.mark.parametrize(
    ("status", "queue_position", "preview_version", "waited", "quick"),
    [("running", None, 0, 0.0, True), ("queued", 0, 0, 0.0, True), ("queued", 0, 0, 5.0, False),
     ("queued", 2, 0, 0.0, False), ("running", None, 1, 0.0, False), ("done", None, 0, 0.0, False)],
)
def test_the_event_stream_looks_often_only_while_a_first_picture_is_due(status, queue_position, preview_version,
                                                                        waited, quick):
    # Next in line behind a long run, a job is looked at as often as any other.
    job = {"status": status, "queue_position": queue_position, "preview_version": preview_version}
    assert events.poll_interval(job, waited) == (events.FIRST_PICTURE_POLL if quick else events.EVENT_POLL)
    assert events.FIRST_PICTURE_POLL < events.EVENT_POLL


def test_the_fast_quality_runs_its_preset(client, face_bytes):
    job = client.post(
        "/api/jobs",
        files={"content": ("face.png", face_bytes, "image/png")},
        data={"style_id": "the-scream", "quality": "fast", "size": "48"},
    ).json()
    assert job["options"] == {**presets.quality_options("fast"), "size": 48}
    done = wait_status(client, job["id"], ("done", "failed"))
    assert done["status"] == "done", done["error"]
    assert max(Image.open(io.BytesIO(client.get(done["links"]["result"]).content)).size) == 48


def test_an_uploaded_style_works_and_no_exif_or_gps_reaches_the_data_folder_or_the_result(
    make_config, face_bytes, style_bytes
):
    config = make_config()
    with TestClient(create_app(config)) as client:
        job = client.post(
            "/api/jobs",
            files={"content": ("me.jpg", jpeg_with_gps(), "image/jpeg"), "style": ("art.png", style_bytes, "image/png")},
            data=TINY,
        ).json()
        done = wait_status(client, job["id"], ("done", "failed"))
        assert done["status"] == "done", done["error"]
        assert done["style_id"] is None
        result = client.get(done["links"]["result"]).content
    image = Image.open(io.BytesIO(result))
    assert image.size == (27, 32)  # orientation 6 applied: the 48×40 photo stands upright
    assert not image.getexif() and b"GPS" not in result and b"private description" not in result
    stored = config.jobs_dir / job["id"]
    for path in stored.iterdir():
        assert b"private description" not in path.read_bytes()
        if path.suffix in (".png", ".jpg"):
            with Image.open(path) as kept:
                assert not kept.getexif()
    # What the result does carry: facestyle's own settings, for reruns.
    result_path = stored / JobFiles.RESULT
    assert read_metadata(result_path)["settings"]["size"] == 32


def test_data_folder_is_private(make_config):
    config = make_config()
    with TestClient(create_app(config)):
        pass
    assert config.data_dir.stat().st_mode & 0o777 == 0o700
    assert config.jobs_dir.stat().st_mode & 0o777 == 0o700


def test_cancel_stops_a_running_job_and_the_worker_moves_on(make_config, face_bytes):
    engine = SlowEngine()
    with TestClient(create_app(make_config(), engine=engine)) as client:
        first = submit(client, face_bytes).json()
        second = submit(client, face_bytes).json()
        wait_for(lambda: client.get(f"/api/jobs/{first['id']}").json()["progress"]["step"] > 2)
        cancelled = client.post(f"/api/jobs/{first['id']}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        # The second job then runs (the worker was freed); cancel it while it waits or runs.
        wait_status(client, second["id"], ("running",))
        assert client.post(f"/api/jobs/{second['id']}/cancel").json()["status"] == "cancelled"
        first_after = client.get(f"/api/jobs/{first['id']}").json()
        assert first_after["status"] == "cancelled" and first_after["progress"]["step"] < engine.steps
        no_result = client.get(first_after["links"]["result"])
        assert no_result.status_code == 409 and "cancelled" in no_result.json()["error"]
        # Cancelling a finished job changes nothing.
        assert client.post(f"/api/jobs/{first['id']}/cancel").json()["status"] == "cancelled"


def test_cancel_a_waiting_job(make_config, face_bytes):
    with TestClient(create_app(make_config(), engine=SlowEngine())) as client:
        running = submit(client, face_bytes).json()
        waiting = submit(client, face_bytes).json()
        assert client.get(f"/api/jobs/{waiting['id']}").json()["queue_position"] == 0
        assert client.post(f"/api/jobs/{waiting['id']}/cancel").json()["status"] == "cancelled"
        client.delete(f"/api/jobs/{running['id']}")


def test_delete_cancels_a_running_job_and_removes_its_files(make_config, face_bytes):
    config = make_config()
    engine = SlowEngine()
    with TestClient(create_app(config, engine=engine)) as client:
        job = submit(client, face_bytes).json()
        wait_status(client, job["id"], ("running",))
        deleted = client.delete(f"/api/jobs/{job['id']}")
        assert deleted.status_code == 200 and deleted.json() == {"id": job["id"], "deleted": True}
        assert client.get(f"/api/jobs/{job['id']}").status_code == 404
        assert client.delete(f"/api/jobs/{job['id']}").status_code == 404
        # The worker stops at its next step and leaves nothing behind.
        wait_for(lambda: client.get("/api/health").json()["running"] == 0)
        wait_for(lambda: not (config.jobs_dir / job["id"]).exists())


def test_a_graceful_restart_requeues_the_running_job_and_keeps_finished_results(make_config, face_bytes):
    config = make_config()
    with TestClient(create_app(config)) as client:
        finished = submit(client, face_bytes).json()
        wait_status(client, finished["id"], ("done",))
    engine = SlowEngine(steps=100_000)
    with TestClient(create_app(config, engine=engine)) as client:
        interrupted = submit(client, face_bytes).json()
        wait_status(client, interrupted["id"], ("running",))
    # Stopped mid-run: back in the queue, and this try does not count against it.
    store = SqliteJobStore(config.database)
    row = store.get(interrupted["id"])
    store.close()
    assert row.status == "queued" and row.attempts == 0

    with TestClient(create_app(config)) as client:
        assert client.get(f"/api/jobs/{finished['id']}/result").status_code == 200
        resumed = wait_status(client, interrupted["id"], ("done", "failed"))
        assert resumed["status"] == "done"


def test_after_a_crash_running_jobs_resume_once_then_fail_with_a_reason(make_config, face_bytes, style_bytes):
    config = make_config()
    with TestClient(create_app(config)):
        pass  # creates the folders and the database
    store = SqliteJobStore(config.database)
    files = JobFiles(config.jobs_dir)
    once, twice = new_job_id(), new_job_id()
    for job_id in (once, twice):
        files.create(job_id)
        (files.folder(job_id) / JobFiles.CONTENT).write_bytes(face_bytes)
        store.add(job_id, quality="fast", options={"size": 32, "steps": 2}, style_id="great-wave")
    assert store.claim_next("cpu").id == once
    # `twice` has crashed the studio once already: recovered, claimed again, and now left running again.
    store.delete(once)
    store.add(once, quality="fast", options={"size": 32, "steps": 2}, style_id="great-wave")
    assert store.claim_next("cpu").id == twice
    assert store.recover(max_attempts=2) == ([twice], [])
    assert store.claim_next("cpu").id == twice
    assert store.claim_next("cpu").id == once
    store.close()  # The crash: both rows left running; nobody finished them.

    with TestClient(create_app(config)) as client:
        assert wait_status(client, once, ("done", "failed"))["status"] == "done"
        failed = client.get(f"/api/jobs/{twice}").json()
        assert failed["status"] == "failed"
        assert "stopped 2 times while painting" in failed["error"]


def test_unknown_and_malformed_ids_are_404_and_never_reach_the_file_system(client):
    for job_id in ("A" * 22, "..", "..%2F..%2Fetc%2Fpasswd", "x" * 400, "%00"):
        for path in (f"/api/jobs/{job_id}", f"/api/jobs/{job_id}/result", f"/api/jobs/{job_id}/preview"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert "error" in response.json()
    assert client.delete("/api/jobs/..").status_code in (404, 405)
    assert client.get("/api/styles/..%2F..%2Fpyproject.toml/image").status_code == 404
    assert client.get("/api/styles/../app.py").status_code == 404


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"style_id": "../../etc/passwd"}, 422, "the gallery has no painting"),
        ({"style_id": "starry-night", "quality": "ultra"}, 422, "unknown quality 'ultra'"),
        ({"style_id": "starry-night", "size": "big"}, 422, "size must be a whole number"),
        ({"style_id": "starry-night", "size": "5000"}, 422, "size must be at most 2048 in this studio"),
        ({"style_id": "starry-night", "steps": "-1"}, 422, "steps must be between"),
        ({"style_id": "starry-night", "steps": "100000"}, 422, "steps must be at most 1000"),
        ({"style_id": "starry-night", "method": "magic"}, 422, "unknown method 'magic'"),
        ({"style_id": "starry-night", "weights": "/etc/passwd"}, 422, "unknown option 'weights'"),
        ({"style_id": "starry-night", "device": "cuda"}, 422, "unknown option 'device'"),
        ({}, 400, "send exactly one of 'style'"),
    ],
)
def test_bad_options_are_refused_with_a_one_line_json_error(client, face_bytes, fields, status, message):
    response = client.post("/api/jobs", files={"content": ("f.png", face_bytes, "image/png")}, data=fields)
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and message in body["error"] and "\n" not in body["error"]


def test_requests_without_a_photo_or_not_multipart_are_refused(client, face_bytes):
    no_photo = client.post("/api/jobs", data={"style_id": "starry-night"}, files={"x": ("a", b"b", "text/plain")})
    assert no_photo.status_code == 400 and "named 'content'" in no_photo.json()["error"]
    as_json = client.post("/api/jobs", json={"style_id": "starry-night"})
    assert as_json.status_code == 415 and "multipart/form-data" in as_json.json()["error"]


def test_unknown_routes_and_methods_answer_json(client):
    assert client.get("/api/nothing").json()["error"].startswith("no such page")
    assert client.put("/api/health").status_code == 405


def test_page_and_api_docs_are_served_locally(client):
    page = client.get("/")
    assert page.status_code == 200 and "facestyle" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in ("/static/app.js", "/static/history.js", "/static/style.css", "/static/icon.svg"):
        body = client.get(asset)
        assert body.status_code == 200 and "https://" not in body.text, asset
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/api/health", "/api/styles", "/api/jobs", "/api/jobs/{job_id}", "/api/jobs/{job_id}/result"} <= set(
        schema["paths"]
    )
    assert "delete" in schema["paths"]["/api/jobs/{job_id}"]


def test_the_api_keeps_its_operation_ids_and_tags(client):
    """Generated clients name their calls after the operation ids; moving a route must not rename it."""
    schema = client.get("/openapi.json").json()
    operations = {(m.upper(), path): (op["operationId"], op["tags"]) for path, item in schema["paths"].items()
                  for m, op in item.items()}
    jobs, one, art = "/api/jobs", "/api/jobs/{job_id}", "/api/styles/{style_id}"
    assert operations == {
        ("GET", "/api/health"): ("health_api_health_get", ["studio"]),
        ("GET", "/api/options"): ("options_api_options_get", ["studio"]),
        ("GET", "/api/styles"): ("styles_api_styles_get", ["gallery"]),
        ("GET", art + "/image"): ("style_image_api_styles__style_id__image_get", ["gallery"]),
        ("GET", art + "/thumbnail"): ("style_thumbnail_api_styles__style_id__thumbnail_get", ["gallery"]),
        ("POST", jobs): ("create_job_api_jobs_post", ["jobs"]),
        ("GET", one): ("get_job_api_jobs__job_id__get", ["jobs"]),
        ("DELETE", one): ("delete_job_api_jobs__job_id__delete", ["jobs"]),
        ("GET", one + "/events"): ("job_events_api_jobs__job_id__events_get", ["jobs"]),
        ("GET", one + "/preview"): ("job_preview_api_jobs__job_id__preview_get", ["jobs"]),
        ("GET", one + "/result"): ("job_result_api_jobs__job_id__result_get", ["jobs"]),
        ("POST", one + "/cancel"): ("cancel_job_api_jobs__job_id__cancel_post", ["jobs"]),
    }
    assert "multipart/form-data" in schema["paths"][jobs]["post"]["requestBody"]["content"]


def test_two_apps_in_one_process_each_answer_from_their_own_studio(make_config, tmp_path):
    """The routers are shared by every app; each request must reach the studio of its own app."""
    first = create_app(make_config(data_dir=tmp_path / "one", queue_limit=3))
    second = create_app(make_config(data_dir=tmp_path / "two", queue_limit=5))
    with TestClient(first) as one, TestClient(second) as two:
        assert one.get("/api/health").json()["queue_limit"] == 3
        assert two.get("/api/health").json()["queue_limit"] == 5


def _bad_uploads(face_bytes):
    from tests.web.test_uploads import png_bomb, text_chunk_bomb, zip_bomb

    return {  # case: (make the bytes, declared type, status, words of the message)
        "non-image": (lambda: b"just text, not a photo\n" * 50, "image/png", 415, "is not an image"),
        "truncated": (lambda: face_bytes[: len(face_bytes) // 2], "image/png", 422, "truncated or corrupt"),
        "zip bomb": (zip_bomb, "image/png", 415, "is not an image"),
        "png bomb": (png_bomb, "image/png", 413, "over the studio's 50 megapixels limit"),
        "metadata bomb": (lambda: text_chunk_bomb(face_bytes), "image/png", 422, "corrupt"),
        "wrong content type": (lambda: face_bytes, "text/plain", 415, "sent as 'text/plain'"),
        "empty": (lambda: b"", "image/png", 422, "empty"),
    }


@pytest.mark.parametrize(
    "case", ["non-image", "truncated", "zip bomb", "png bomb", "metadata bomb", "wrong content type", "empty"]
)
def test_bad_uploads_are_refused_with_the_right_status(client, face_bytes, case):
    make, declared, status, message = _bad_uploads(face_bytes)[case]
    data = make()
    for field in ("content", "style"):
        files = {"content": ("face.png", face_bytes, "image/png"), field: ("upload.png", data, declared)}
        fields = {**TINY, "style_id": "starry-night"} if field == "content" else TINY
        response = client.post("/api/jobs", files=files, data=fields)
        assert response.status_code == status, (field, response.text)
        assert message in response.json()["error"]
    assert client.get("/api/health").json()["queued"] == 0


def test_upload_size_and_pixel_limits(make_config, face_bytes):
    with TestClient(create_app(make_config(max_upload_bytes=4000, max_upload_pixels=100_000))) as client:
        big = encode(Image.effect_noise((64, 64), 80).convert("RGB"), "PNG")  # noise: ~12 KB
        assert len(big) > 4000
        refused = submit(client, big)
        assert refused.status_code == 413 and "larger than" in refused.json()["error"]
    with TestClient(create_app(make_config(max_upload_pixels=1000))) as client:
        refused = submit(client, face_bytes)
        assert refused.status_code == 413 and "72x96 pixels" in refused.json()["error"]


def test_a_request_body_over_the_limit_is_refused_before_it_is_read(make_config, face_bytes):
    # The request limit is two uploads plus 1 MB for the fields: 1.02 MB here.
    with TestClient(create_app(make_config(max_upload_bytes=10_000))) as client:
        multipart = {"content-type": "multipart/form-data; boundary=b"}
        # Declared too big: answered from the Content-Length header alone.
        response = client.post("/api/jobs", content=b"x" * 2_000_000, headers=multipart)
        assert response.status_code == 413 and "request is larger than" in response.json()["error"]

        # No Content-Length (chunked): counted while it streams in, refused once over the limit.
        def chunks():
            yield b'--b\r\nContent-Disposition: form-data; name="content"; filename="a.png"\r\n\r\n'
            for _ in range(2000):
                yield b"x" * 1000

        response = client.post("/api/jobs", content=chunks(), headers=multipart)
        assert response.status_code == 413 and "request is larger than" in response.json()["error"]
