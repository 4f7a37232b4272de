"""``facestyle serve``: loopback by default, a warning elsewhere, one clear line for a busy port."""

from __future__ import annotations

import socket

import pytest

from facestyle import cli
from facestyle.errors import OptionError
from facestyle.web import server
from facestyle.web.config import StudioConfig, default_data_dir
from tests.web.conftest import free_port


@pytest.fixture
def runs(monkeypatch):
    """Stands in for uvicorn's serving loop: records (app, uvicorn config, server) instead."""
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: calls.append((self.config.app, self.config, self)))
    return calls


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                                ("127.0.0.2", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                                ("example.org", False)])
def test_is_loopback(host, loopback):
    assert server.is_loopback(host) is loopback


def test_loopback_serves_quietly_and_pins_the_host_names(tmp_path, runs, capsys):
    server.serve(StudioConfig(data_dir=tmp_path), host="127.0.0.1", port=free_port())
    app, options, _ = runs[0]
    assert options.host == "127.0.0.1"
    assert "127.0.0.1" in app.state.studio.config.allowed_hosts and "localhost" in app.state.studio.config.allowed_hosts
    err = capsys.readouterr().err
    assert "warning" not in err and "open http://127.0.0.1:" in err


def test_ctrl_c_ends_the_progress_streams_first(tmp_path, runs):
    server.serve(StudioConfig(data_dir=tmp_path), host="127.0.0.1", port=free_port())
    app, _, uvicorn_server = runs[0]
    assert not app.state.studio.closing.is_set()
    uvicorn_server.handle_exit(2, None)
    assert app.state.studio.closing.is_set() and uvicorn_server.should_exit


def test_any_other_address_warns(tmp_path, runs, capsys):
    server.serve(StudioConfig(data_dir=tmp_path), host="0.0.0.0", port=free_port())
    assert runs[0][0].state.studio.config.allowed_hosts is None
    assert "warning: the studio is bound to 0.0.0.0" in capsys.readouterr().err


def test_a_busy_port_is_one_clear_error(tmp_path, runs):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OptionError, match=f"cannot listen on 127.0.0.1:{port}.*choose another --port"):
            server.serve(StudioConfig(data_dir=tmp_path), host="127.0.0.1", port=port)
    assert runs == []


def test_cli_serve_passes_its_flags(tmp_path, monkeypatch):
    seen = {}
    monkeypatch.setattr(server, "serve", lambda config, **options: seen.update(config=config, **options))
    code = cli.main(["serve", "--port", "9999", "--data-dir", str(tmp_path / "d"), "--retention-hours", "2",
                     "--max-upload-mb", "5", "--queue-limit", "3"])
    assert code == 0 and seen["port"] == 9999 and seen["host"] == "127.0.0.1"
    config = seen["config"]
    assert (config.data_dir, config.retention_hours, config.max_upload_bytes, config.queue_limit) == (
        tmp_path / "d", 2.0, 5 * 1024 * 1024, 3)


def test_cli_serve_refuses_bad_limits_in_one_line(capsys):
    assert cli.main(["serve", "--retention-hours", "0"]) == 2
    assert "retention must be more than 0 hours" in capsys.readouterr().err


def test_default_data_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FACESTYLE_DATA", str(tmp_path / "mine"))
    assert default_data_dir() == tmp_path / "mine"
    monkeypatch.delenv("FACESTYLE_DATA")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "facestyle" / "studio"
