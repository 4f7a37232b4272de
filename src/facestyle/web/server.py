"""``facestyle serve``: run the studio with uvicorn, on this machine only unless told otherwise."""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
import sys

from ..errors import OptionError
from .config import StudioConfig

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


def serve(config: StudioConfig, *, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Run the studio until Ctrl-C. Binding to anything but loopback prints a warning."""
    import uvicorn

    from .app import create_app

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
    # A short graceful timeout: open progress streams must not keep Ctrl-C waiting.
    uvicorn.run(create_app(config), host=host.strip("[]"), port=port, log_level="warning", timeout_graceful_shutdown=3)


def _with_allowed_hosts(config: StudioConfig, hosts: tuple[str, ...]) -> StudioConfig:
    return dataclasses.replace(config, allowed_hosts=tuple(dict.fromkeys(hosts)))
