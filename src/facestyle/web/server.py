"""``facestyle serve``: run the studio with uvicorn, on this machine only unless told otherwise."""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import sys
from pathlib import Path
from typing import Any, Callable

import uvicorn

from facestyle.errors import OptionError
from facestyle.web.config import StudioConfig

#: Host names a loopback-bound studio answers to (see :class:`~facestyle.web.guards.HostGuard`).
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_port_free(host: str, port: int) -> None:
    """Fail with one clear line, rather than uvicorn's log, when the port is taken.

    Raises:
        OptionError: the address cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as error:
            raise OptionError(
                f"cannot listen on {host}:{port} ({error.strerror or error}); choose another --port"
            ) from None


def serve(
    config: StudioConfig,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    broker: str | None = None,
    blobs_dir: Path | None = None,
    key_prefix: str = "facestyle:",
) -> None:
    """Run the studio until Ctrl-C. Binding to anything but loopback prints a warning.

    With ``broker`` (a Redis URL) the server only queues jobs; ``facestyle worker`` processes paint them.
    """
    from facestyle.web.app import create_app

    if not 0 < port < 65536:
        raise OptionError(f"port must be between 1 and 65535, not {port}")
    loopback = is_loopback(host)
    if loopback:
        config = _with_allowed_hosts(config, LOOPBACK_NAMES + (host,))
    else:
        print(
            f"facestyle: warning: the studio is bound to {host}, so other machines on the network can open it, "
            "upload photos and see results; use --host 127.0.0.1 to keep it to this computer",
            file=sys.stderr,
        )
    check_port_free(host, port)
    shown = f"[{host}]" if ":" in host else host
    print(
        f"facestyle studio: open http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{port}/ "
        f"(API docs at /docs; data in {config.data_dir}, kept {config.retention_hours:g} h; Ctrl-C stops)",
        file=sys.stderr,
    )
    studio = None
    if broker is not None:
        from facestyle.cluster.client import redacted
        from facestyle.cluster.studio import ClusterStudio

        studio = ClusterStudio(config, broker=broker, blobs_dir=blobs_dir, prefix=key_prefix)
        print(f"facestyle studio: cluster mode, jobs queued on {redacted(broker)} for 'facestyle worker' "
              "processes", file=sys.stderr)
    app = create_app(config, studio=studio)
    uvicorn_config = uvicorn.Config(
        app, host=host.strip("[]"), port=port, log_level="warning", timeout_graceful_shutdown=5
    )
    StudioServer(uvicorn_config, on_exit=app.state.studio.begin_shutdown).run()


class StudioServer(uvicorn.Server):
    """uvicorn's server, telling the studio first when Ctrl-C arrives.

    uvicorn waits for open connections before it shuts the app down; the studio's progress
    streams would hold it until the graceful timeout, so they are asked to end right away.
    """

    def __init__(self, config: uvicorn.Config, *, on_exit: Callable[[], None]):
        super().__init__(config)
        self.on_exit = on_exit

    def handle_exit(self, sig: int, frame: Any) -> None:
        self.on_exit()
        super().handle_exit(sig, frame)


def _with_allowed_hosts(config: StudioConfig, hosts: tuple[str, ...]) -> StudioConfig:
    return dataclasses.replace(config, allowed_hosts=tuple(dict.fromkeys(hosts)))
