"""Real ``facestyle worker`` subprocesses for the cluster tests, and the client they serve."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.web.conftest import wait_for

ROOT = Path(__file__).parents[2]
#: A job that paints in a couple of seconds at most on a shared core.
TINY = {"size": 64, "steps": 8}


class WorkerProcess:
    """``python -m facestyle worker`` on the CPU with one thread, logging to a file."""

    def __init__(self, url: str, prefix: str, folder: Path, *, lease: float = 2.0, extra: tuple[str, ...] = ()):
        self.log_path = folder / f"worker-{len(list(folder.glob('worker-*.log')))}.log"
        command = [
            sys.executable, "-m", "facestyle", "worker", "--device", "cpu", "--threads", "1", "--key-prefix", prefix,
            "--lease-seconds", str(lease), "--engine", "tests.cluster.engines:logged", *extra,
        ]
        env = {
            **os.environ,
            "FACESTYLE_BROKER": url,
            "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
            "FACESTYLE_TEST_RUNLOG": str(folder / "runs.log"),
            "OMP_NUM_THREADS": "1",
        }
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def wait_registered(client: Any, workers: list[WorkerProcess], timeout: float = 60.0) -> None:
    """Until every worker's heartbeat is in Redis (it has imported everything and can paint)."""

    def ready() -> bool:
        pids = {worker["pid"] for worker in client.workers()}
        for worker in workers:
            if worker.process.poll() is not None:
                raise AssertionError(f"worker exited early:\n{worker.output()}")
        return all(worker.pid in pids for worker in workers)

    wait_for(ready, timeout=timeout, every=0.1)
