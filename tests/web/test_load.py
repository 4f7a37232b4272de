"""A small load check: 20 submissions at once against a live server; each completes or is refused as busy."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.web.conftest import TINY, wait_for

SUBMISSIONS = 20
QUEUE_LIMIT = 8


def test_twenty_concurrent_submissions_complete_or_are_refused_busy_and_none_is_lost(
    live_server, face_bytes, tmp_path
):
    server = live_server(queue_limit=QUEUE_LIMIT)
    go = threading.Barrier(SUBMISSIONS)

    def submit(index: int) -> httpx.Response:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            go.wait()
            return client.post(
                "/api/jobs",
                files={"content": (f"face{index}.png", face_bytes, "image/png")},
                data={**TINY, "style_id": "great-wave", "seed": str(index)},
            )

    started = time.perf_counter()
    with ThreadPoolExecutor(SUBMISSIONS) as pool:
        responses = list(pool.map(submit, range(SUBMISSIONS)))
    submitted = time.perf_counter() - started

    accepted = [r.json()["id"] for r in responses if r.status_code == 202]
    refused = [r for r in responses if r.status_code != 202]
    assert len(accepted) + len(refused) == SUBMISSIONS
    assert len(set(accepted)) == len(accepted)
    assert len(accepted) >= QUEUE_LIMIT  # never refuses while there is room
    for response in refused:
        assert response.status_code == 503
        assert response.json()["error"] == "busy" and "try again" in response.json()["message"]
        assert int(response.headers["retry-after"]) > 0

    with httpx.Client(base_url=server.url, timeout=60) as client:
        def all_finished() -> list[dict] | None:
            jobs = [client.get(f"/api/jobs/{job_id}").json() for job_id in accepted]
            return jobs if all(job["status"] in ("done", "failed", "cancelled") for job in jobs) else None

        jobs = wait_for(all_finished, timeout=240, every=0.2)
        finished = time.perf_counter() - started
        assert [job["status"] for job in jobs] == ["done"] * len(accepted), [job["error"] for job in jobs]
        for job_id in accepted:
            result = client.get(f"/api/jobs/{job_id}/result")
            assert result.status_code == 200 and result.content.startswith(b"\x89PNG")
        health = client.get("/api/health").json()
        assert health["queued"] == 0 and health["running"] == 0

    figures = {
        "submissions": SUBMISSIONS,
        "queue_limit": QUEUE_LIMIT,
        "completed": len(accepted),
        "refused_busy": len(refused),
        "lost": SUBMISSIONS - len(accepted) - len(refused),
        "seconds_to_answer_all": round(submitted, 2),
        "seconds_until_all_done": round(finished, 2),
        "job": "32 px, 3 steps, real engine",
    }
    (tmp_path / "load-check.json").write_text(json.dumps(figures, indent=2))
    print("load check:", json.dumps(figures))
