"""Host and origin checks keep other web sites away from a studio bound to this machine."""

from __future__ import annotations

from fastapi.testclient import TestClient

from facestyle.web.app import create_app
from facestyle.web.guards import _hostname


def test_a_loopback_studio_answers_only_to_its_own_names(make_config):
    app = create_app(make_config(allowed_hosts=("127.0.0.1", "localhost", "::1")))
    with TestClient(app, base_url="http://127.0.0.1:8765") as client:
        assert client.get("/api/health").status_code == 200
        assert client.get("http://localhost:8765/api/health").status_code == 200
        # DNS rebinding: a name that resolves to 127.0.0.1 but is not the studio's.
        refused = client.get("http://attacker.example:8765/api/health")
        assert refused.status_code == 400 and "Host" in refused.json()["error"]


def test_cross_site_posts_and_deletes_are_refused(make_config, face_bytes):
    with TestClient(create_app(make_config()), base_url="http://127.0.0.1:8765") as client:
        for method, path in (("POST", "/api/jobs"), ("DELETE", "/api/jobs/" + "a" * 22), ("POST", "/api/jobs/x/cancel")):
            refused = client.request(method, path, headers={"origin": "http://attacker.example"})
            assert refused.status_code == 403 and "other web sites" in refused.json()["error"]
        # The page itself (same origin) and curl (no Origin header) get through to the route.
        same = client.post("/api/jobs", headers={"origin": "http://127.0.0.1:8765"}, data={"style_id": "x"},
                           files={"content": ("f.png", face_bytes, "image/png")})
        assert same.status_code == 422
        # Reading is allowed from anywhere the Host check lets through.
        assert client.get("/api/health", headers={"origin": "http://attacker.example"}).status_code == 200


def test_hostname_strips_ports_and_brackets():
    assert _hostname("127.0.0.1:8765") == "127.0.0.1"
    assert _hostname("localhost") == "localhost"
    assert _hostname("[::1]:8765") == "::1"
