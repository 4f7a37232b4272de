"""``facestyle serve``: run the local web studio."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from facestyle.cli.options import add_debug
from facestyle.cli.worker import add_broker, broker_url, require_cluster_extra
from facestyle.errors import OptionError


def add_command(commands: Any) -> None:
    serve = commands.add_parser(
        "serve",
        help="open the web studio in your browser (runs on this computer)",
        description="Run the local web studio: upload a photo, pick a painting, watch it paint, download.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on; anything but localhost warns")
    serve.add_argument("--port", type=int, default=8765, help="port to listen on")
    serve.add_argument("--data-dir", help="private folder for uploads, results and the job database "
                       "[$FACESTYLE_DATA or ~/.local/share/facestyle/studio]")
    serve.add_argument("--retention-hours", type=float, default=24.0, help="delete uploads and results after this long")
    serve.add_argument("--max-upload-mb", type=float, default=20.0, help="largest image upload, in MB")
    serve.add_argument("--queue-limit", type=int, default=8, help="jobs that may wait; more are refused as busy")
    add_broker(serve, required_help="without it the studio paints in this process")
    add_debug(serve)
    serve.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from facestyle.web.config import MEGABYTE, StudioConfig, default_data_dir
    from facestyle.web.server import serve

    data_dir = Path(args.data_dir).expanduser() if args.data_dir else default_data_dir()
    if data_dir.exists() and not data_dir.is_dir():
        raise OptionError(f"--data-dir '{data_dir}' is a file; give a folder for the studio's uploads and results")
    config = StudioConfig(
        data_dir=data_dir,
        retention_hours=args.retention_hours,
        max_upload_bytes=int(args.max_upload_mb * MEGABYTE),
        queue_limit=args.queue_limit,
    )
    broker = broker_url(args)
    if broker is not None:
        require_cluster_extra()
        from facestyle.cluster.client import check_broker_url

        check_broker_url(broker)
    elif args.blobs:
        raise OptionError("--blobs is for cluster mode; give --broker (or $FACESTYLE_BROKER) too")
    blobs_dir = Path(args.blobs).expanduser() if args.blobs else None
    serve(config, host=args.host, port=args.port, broker=broker, blobs_dir=blobs_dir, key_prefix=args.key_prefix)
    return 0
