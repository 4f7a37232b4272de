"""``facestyle worker``: one Celery worker process per device, each painting one job at a time.

A single device runs in this process. Several (``--device all-gpus``, or ``--processes N`` on the
CPU) each get a child process, restarted if it dies; the parent touches neither CUDA nor torch,
so a GPU is only ever initialised by the process that paints on it. Processes on one machine
split its cores (:func:`facestyle.cores.threads_per_worker`).
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from facestyle.errors import OptionError

log = logging.getLogger("facestyle.cluster")

#: Seconds before a child that died is started again.
RESTART_DELAY = 2.0


@dataclass(frozen=True)
class WorkerOptions:
    broker: str
    device: str = "cpu"
    threads: int = 1
    blobs_dir: Path | None = None
    prefix: str = "facestyle:"
    lease_seconds: float = 30.0
    visibility_timeout: float = 3600.0
    engine: str | None = None
    loglevel: str = "WARNING"


def gpu_count() -> int:
    """CUDA GPUs on this machine, counted in a short-lived process so this one never touches CUDA."""
    probe = "import torch; print(torch.cuda.device_count() if torch.cuda.is_available() else 0)"
    try:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
        return int(done.stdout.strip() or 0)
    except (subprocess.SubprocessError, ValueError):
        return 0


def resolve_devices(device: str, processes: int) -> list[str]:
    """The device of each worker process: ``cpu`` (``processes`` times), ``cuda:N``, or one per GPU."""
    if processes < 1:
        raise OptionError(f"--processes must be 1 or more, not {processes}")
    if device == "all-gpus":
        count = gpu_count()
        if count == 0:
            raise OptionError("--device all-gpus found no CUDA GPU here; use --device cpu")
        return [f"cuda:{index}" for index in range(count)]
    if device == "cpu":
        return ["cpu"] * processes
    if device.startswith("cuda:") and device[5:].isdigit():
        return [device]
    raise OptionError(f"--device must be cpu, cuda:N or all-gpus, not '{device}'")


def load_engine(spec: str | None):
    """The paint function: :func:`facestyle.stylize`, or ``module:function`` (a stand-in for tests and benchmarks)."""
    if spec is None:
        from facestyle.engine import stylize

        return stylize
    module, _, name = spec.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as error:
        raise OptionError(f"cannot load the engine '{spec}' ({error}); give module:function") from None


def run_worker(options: WorkerOptions) -> int:
    """Paint jobs from the queue in this process until it is stopped; the exit code."""
    import torch

    from facestyle.cluster.app import TASK_NAME, make_app, queue_name
    from facestyle.cluster.blobs import open_blobs
    from facestyle.cluster.redis_store import RedisJobStore
    from facestyle.cluster.runner import Heartbeat, WorkerContext
    from facestyle.cluster.task import install

    torch.set_num_threads(options.threads)
    engine = load_engine(options.engine)
    app = make_app(options.broker, prefix=options.prefix, visibility_timeout=options.visibility_timeout)
    store = RedisJobStore(options.broker, prefix=options.prefix, lease_seconds=options.lease_seconds)
    # Workers write only outputs, which expire with their job's inputs; the retention here is unused.
    blobs = open_blobs(options.broker, options.blobs_dir, retention_seconds=3600.0, prefix=options.prefix)
    context = WorkerContext(
        store=store, blobs=blobs, device=options.device, engine=engine,
        enqueue=lambda job_id: app.send_task(TASK_NAME, args=[job_id]),
    )
    install(context)
    heartbeat = Heartbeat(context)
    heartbeat.start()
    print(f"facestyle worker {context.name} on {options.device} ({options.threads} threads): waiting for jobs",
          file=sys.stderr, flush=True)
    worker = app.Worker(
        pool="solo", concurrency=1, queues=[queue_name(options.prefix)], hostname=f"facestyle@{context.name}",
        without_gossip=True, without_mingle=True, without_heartbeat=True, loglevel=options.loglevel, quiet=True,
    )
    try:
        worker.start()
    finally:
        heartbeat.stop()
    return worker.exitcode or 0


def supervise(options: WorkerOptions, devices: list[str], threads: int) -> int:
    """Run one child worker per device and start again any that dies, until SIGTERM or Ctrl-C."""
    stopping = False
    children: dict[int, subprocess.Popen] = {}

    def spawn(index: int) -> None:
        child_options = replace(options, device=devices[index], threads=threads)
        env = {**os.environ, "FACESTYLE_BROKER": options.broker, "OMP_NUM_THREADS": str(threads)}
        children[index] = subprocess.Popen(_child_command(child_options), env=env)

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for index in range(len(devices)):
        spawn(index)
    while children:
        time.sleep(0.5)
        for index, child in list(children.items()):
            code = child.poll()
            if code is None:
                continue
            del children[index]
            if not stopping:
                print(f"facestyle worker: the worker on {devices[index]} stopped (exit {code}); starting it again",
                      file=sys.stderr, flush=True)
                time.sleep(RESTART_DELAY)
                spawn(index)
    return 0


def _child_command(options: WorkerOptions) -> list[str]:
    # The broker URL may hold a password: it travels in the environment, not on a command line others can read.
    command = [sys.executable, "-m", "facestyle", "worker", "--device", options.device, "--threads",
               str(options.threads), "--key-prefix", options.prefix, "--lease-seconds", str(options.lease_seconds),
               "--visibility-timeout", str(options.visibility_timeout)]
    if options.blobs_dir is not None:
        command += ["--blobs", str(options.blobs_dir)]
    if options.engine is not None:
        command += ["--engine", options.engine]
    return command
