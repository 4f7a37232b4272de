"""``facestyle worker``: paint the studio's queued jobs on this machine, in cluster mode."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from facestyle.cli.options import add_debug
from facestyle.errors import OptionError


def add_broker(parser: argparse.ArgumentParser, *, required_help: str) -> None:
    parser.add_argument("--broker", help=f"Redis URL of the cluster, e.g. redis://:PASSWORD@HOST:6379/0 "
                        f"[$FACESTYLE_BROKER]; {required_help}")
    parser.add_argument("--blobs", metavar="DIR", help="shared folder for the job images (mounted on every box) "
                        "instead of Redis")
    # Keeps several studios (and tests) apart on one Redis server.
    parser.add_argument("--key-prefix", default="facestyle:", help=argparse.SUPPRESS)


def broker_url(args: argparse.Namespace) -> str | None:
    return args.broker or os.environ.get("FACESTYLE_BROKER") or None


def require_cluster_extra() -> None:
    try:
        import celery  # noqa: F401
        import redis  # noqa: F401
    except ImportError:
        raise OptionError("cluster mode needs the cluster extra: pip install 'facestyle[cluster]'") from None


def add_command(commands: Any) -> None:
    worker = commands.add_parser(
        "worker",
        help="paint the studio's queued jobs on this machine (cluster mode)",
        description="Take jobs from the cluster's Redis queue and paint them: one process per device, "
        "one job at a time. Start the web server with 'facestyle serve --broker URL'.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add_broker(worker, required_help="required")
    worker.add_argument("--device", default="cpu", help="cpu, cuda:N, or all-gpus (one process per GPU)")
    worker.add_argument("--processes", type=int, default=1, help="CPU worker processes; they split the cores")
    worker.add_argument("--threads", type=int, help="torch threads per process [the cores divided among processes]")
    worker.add_argument("--lease-seconds", type=float, default=30.0,
                        help="a job whose worker is silent this long is given to another worker")
    worker.add_argument("--visibility-timeout", type=float, default=3600.0,
                        help="seconds before Redis hands an unacknowledged message out again")
    worker.add_argument("--engine", help=argparse.SUPPRESS)  # module:function, a stand-in for tests and benchmarks
    add_debug(worker)
    worker.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    broker = broker_url(args)
    if broker is None:
        raise OptionError("give the cluster's Redis URL with --broker or $FACESTYLE_BROKER")
    require_cluster_extra()
    from facestyle.cluster.client import check_broker_url
    from facestyle.cluster.launcher import (
        WorkerOptions,
        resolve_devices,
        run_worker,
        supervise,
    )
    from facestyle.cores import threads_per_worker

    check_broker_url(broker)
    if args.lease_seconds <= 0 or args.visibility_timeout <= 0:
        raise OptionError("--lease-seconds and --visibility-timeout must be more than 0")
    if args.threads is not None and args.threads < 1:
        raise OptionError(f"--threads must be 1 or more, not {args.threads}")
    devices = resolve_devices(args.device, args.processes)
    threads = args.threads or threads_per_worker(len(devices))
    options = WorkerOptions(
        broker=broker, device=devices[0], threads=threads, prefix=args.key_prefix,
        blobs_dir=Path(args.blobs).expanduser() if args.blobs else None, lease_seconds=args.lease_seconds,
        visibility_timeout=args.visibility_timeout, engine=args.engine,
        loglevel="INFO" if args.debug else "WARNING",
    )
    if len(devices) == 1:
        return run_worker(options)
    return supervise(options, devices, threads)
