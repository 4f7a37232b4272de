"""Cluster mode on one machine: throughput, waits, per-job overhead, recovery, lost and double jobs.

A private redis-server on a loopback port and real ``facestyle worker`` processes (``--processes
N``, as deployed). Parts:

- ``standin``: jobs/min with 1, 2 and 4 workers on a stand-in engine that sleeps through its steps
  (no CPU), so the queue's own ceiling shows beyond two cores; scaling efficiency = jobs/min of N
  workers / (N × jobs/min of one).
- ``real``: jobs/min with 1, 2 and 4 workers painting small real jobs (the cores split among them).
- ``load``: stand-in jobs arriving at about 80 % of two workers' capacity: queue wait (submit → the
  engine starts) and submit → the first progress event, p50 and p95.
- ``overhead``: one stand-in job at a time through the studio's HTTP API (the page's path), in the
  embedded studio and in cluster mode; the overhead of a job is submit → ``done`` seen by the
  client, less the engine's own time. Reported: both medians and their difference.
- ``recovery``: two workers, ``kill -9`` of the one painting a long job (default 30 s lease):
  seconds until the job paints again on the other, and until it is done.

Every part counts lost jobs (submitted, never ``done``) and double finishes (a job whose engine
ran to its end more than once); both must be 0.

    python benchmarks/cluster.py     # about 6 minutes; writes benchmarks/results/cluster-<machine>-<commit>.json
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster_engines  # noqa: E402
import markdown_sections  # noqa: E402
import naming  # noqa: E402

ROOT = naming.ROOT
PHOTO = ROOT / "examples" / "faces" / "face_04_christina_koch_nasa_2014.jpg"
STYLE_ID = "starry-night"
PASSWORD = "bench-" + secrets.token_hex(8)


def photo_bytes(long_side: int) -> bytes:
    from facestyle.image.io import load_image, resize_long_side

    buffer = io.BytesIO()
    resize_long_side(load_image(PHOTO), long_side).save(buffer, "PNG")
    return buffer.getvalue()


class RedisServer:
    """A private redis-server on a free loopback port, with a password and no persistence."""

    def __init__(self, folder: Path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://:{PASSWORD}@127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--requirepass", PASSWORD,
             "--dir", str(folder), "--save", "", "--appendonly", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


class Workers:
    """``facestyle worker --processes N`` with a benchmark engine, its runs logged to ``runlog``."""

    def __init__(self, url: str, prefix: str, count: int, engine: str, runlog: Path, threads: int | None = None,
                 lease: float = 30.0):
        command = [sys.executable, "-m", "facestyle", "worker", "--device", "cpu", "--processes", str(count),
                   "--key-prefix", prefix, "--engine", f"cluster_engines:{engine}", "--lease-seconds", str(lease)]
        if threads is not None:
            command += ["--threads", str(threads)]
        env = {**os.environ, "FACESTYLE_BROKER": url, "FACESTYLE_BENCH_RUNLOG": str(runlog),
               "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "benchmarks")])}
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, start_new_session=True)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def wait_until(predicate, timeout: float, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"not within {timeout} s")


def fresh_cluster(url: str):
    from facestyle.cluster.client import ClusterClient

    prefix = f"bench-{secrets.token_hex(4)}:"
    return ClusterClient(url, prefix=prefix), prefix


def tally(submitted: dict[int, str], client, runlog: Path) -> dict:
    """Lost jobs (never done) and double finishes (an engine that ran to its end twice for one job)."""
    statuses = {seed: getattr(client.get(job_id), "status", "gone") for seed, job_id in submitted.items()}
    ends = Counter(seed for event, seed, _ in cluster_engines.read_runlog(runlog) if event == "end")
    return {"lost": sum(status != "done" for status in statuses.values()),
            "double": sum(ends[seed] > 1 for seed in submitted)}


def throughput(url: str, folder: Path, *, workers: int, jobs: int, engine: str, settings: dict,
               threads: int | None) -> dict:
    """Jobs per minute of ``workers`` processes on ``jobs`` jobs submitted at once."""
    client, prefix = fresh_cluster(url)
    runlog = folder / f"{engine}-{workers}.log"
    started = Workers(url, prefix, workers, engine, runlog, threads)
    try:
        wait_until(lambda: len(client.workers()) == workers, timeout=180)
        photo = photo_bytes(256)
        begin = time.time()
        submitted = {seed: client.submit(photo, style_id=STYLE_ID, settings={**settings, "seed": seed})
                     for seed in range(jobs)}
        for job_id in submitted.values():
            client.wait(job_id, timeout=900, poll=0.02)
        last = max(client.get(job_id).finished for job_id in submitted.values())
        wall = last - begin
        row = {"part": engine, "workers": workers, "jobs": jobs, "wall_s": round(wall, 2),
               "jobs_per_min": round(60.0 * jobs / wall, 2), **tally(submitted, client, runlog)}
    finally:
        started.stop()
        client.close()
    print(row, flush=True)
    return row


def load(url: str, folder: Path, *, jobs: int, steps: int, utilisation: float) -> dict:
    """Stand-in jobs arriving evenly at ``utilisation`` of two workers' capacity."""
    client, prefix = fresh_cluster(url)
    runlog = folder / "load.log"
    started = Workers(url, prefix, 2, "standin", runlog, threads=1)
    try:
        wait_until(lambda: len(client.workers()) == 2, timeout=180)
        photo = photo_bytes(256)
        interval = steps * cluster_engines.STEP_SECONDS / 2 / utilisation
        submit_times, submitted = {}, {}
        for seed in range(jobs):
            submit_times[seed] = time.time()
            submitted[seed] = client.submit(photo, style_id=STYLE_ID, settings={"steps": steps, "seed": seed})
            time.sleep(max(0.0, submit_times[seed] + interval - time.time()))
        for job_id in submitted.values():
            client.wait(job_id, timeout=300, poll=0.05)
        firsts: dict[str, dict[int, float]] = {"start": {}, "progress": {}}
        for event, seed, stamp in cluster_engines.read_runlog(runlog):
            if event in firsts:
                firsts[event].setdefault(seed, stamp)
        wait = [firsts["start"][seed] - submit_times[seed] for seed in submitted]
        first = [firsts["progress"][seed] - submit_times[seed] for seed in submitted]
        row = {"part": "load", "workers": 2, "jobs": jobs, "utilisation": utilisation,
               "queue_wait_p50_s": round(percentile(wait, 50), 3), "queue_wait_p95_s": round(percentile(wait, 95), 3),
               "first_progress_p50_s": round(percentile(first, 50), 3),
               "first_progress_p95_s": round(percentile(first, 95), 3), **tally(submitted, client, runlog)}
    finally:
        started.stop()
        client.close()
    print(row, flush=True)
    return row


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def follow_jobs(http, runlog: Path, *, jobs: int, steps: int, seed_base: int) -> list[dict]:
    """Submit one job at a time through the HTTP API; per job the client's first progress and done times."""
    photo = photo_bytes(96)
    rows = []
    for index in range(jobs):
        seed = seed_base + index
        begin = time.time()
        job = http.post("/api/jobs", files={"content": ("face.png", photo, "image/png")},
                        data={"style_id": STYLE_ID, "steps": str(steps), "size": "64", "seed": str(seed)}).json()
        first = None
        while True:
            view = http.get(f"/api/jobs/{job['id']}").json()
            if first is None and view["progress"]["step"] > 0:
                first = time.time()
            if view["status"] in ("done", "failed", "cancelled"):
                break
            time.sleep(0.005)
        done = time.time()
        events = {event: stamp for event, s, stamp in cluster_engines.read_runlog(runlog) if s == seed}
        rows.append({"status": view["status"], "first_progress_s": first - begin, "latency_s": done - begin,
                     "engine_s": events["end"] - events["start"]})
    return rows


def overhead(url: str, folder: Path, *, jobs: int, steps: int) -> list[dict]:
    """The same one-at-a-time stand-in jobs through the studio's API, embedded and in cluster mode."""
    from fastapi.testclient import TestClient

    from facestyle.cluster.studio import ClusterStudio
    from facestyle.web.app import create_app
    from facestyle.web.config import StudioConfig

    rows = []
    runlog = folder / "overhead-embedded.log"
    os.environ["FACESTYLE_BENCH_RUNLOG"] = str(runlog)  # the embedded studio's engine runs in this process
    config = StudioConfig(data_dir=folder / "embedded", preview_seconds=0.0, devices=("cpu",))
    with TestClient(create_app(config, engine=cluster_engines.standin)) as http:
        rows.append(summarise_overhead("embedded", follow_jobs(http, runlog, jobs=jobs, steps=steps, seed_base=0)))
    client, prefix = fresh_cluster(url)
    runlog = folder / "overhead-cluster.log"
    started = Workers(url, prefix, 1, "standin", runlog, threads=1)
    try:
        wait_until(lambda: len(client.workers()) == 1, timeout=180)
        config = StudioConfig(data_dir=folder / "cluster", preview_seconds=0.0)
        studio = ClusterStudio(config, broker=url, prefix=prefix)
        with TestClient(create_app(config, studio=studio)) as http:
            rows.append(summarise_overhead("cluster", follow_jobs(http, runlog, jobs=jobs, steps=steps,
                                                                  seed_base=1000)))
    finally:
        started.stop()
        client.close()
    rows.append({"part": "overhead", "mode": "cluster − embedded",
                 "overhead_median_ms": round(rows[1]["overhead_median_ms"] - rows[0]["overhead_median_ms"], 1)})
    for row in rows:
        print(row, flush=True)
    return rows


def summarise_overhead(mode: str, jobs: list[dict]) -> dict:
    extra = [1000.0 * (job["latency_s"] - job["engine_s"]) for job in jobs]
    return {"part": "overhead", "mode": mode, "jobs": len(jobs),
            "lost": sum(job["status"] != "done" for job in jobs),
            "overhead_median_ms": round(statistics.median(extra), 1),
            "overhead_p95_ms": round(percentile(extra, 95), 1),
            "first_progress_median_ms": round(1000.0 * statistics.median(job["first_progress_s"] for job in jobs), 1)}


def recovery(url: str, folder: Path, *, steps: int, lease: float) -> dict:
    """Kill -9 the worker painting a long job; seconds until another paints it, and until it is done."""
    client, prefix = fresh_cluster(url)
    runlog = folder / "recovery.log"
    pair = [Workers(url, prefix, 1, "standin", runlog, threads=1, lease=lease) for _ in range(2)]
    try:
        wait_until(lambda: len(client.workers()) == 2, timeout=180)
        job_id = client.submit(photo_bytes(256), style_id=STYLE_ID, settings={"steps": steps, "seed": 1})
        wait_until(lambda: client.get(job_id).step >= 5, timeout=60, every=0.02)
        # The registry names a worker's job at its next heartbeat (every third of the lease).
        painter = wait_until(lambda: [w["pid"] for w in client.workers() if w["job"] == job_id], timeout=60)[0]
        os.kill(painter, signal.SIGKILL)
        killed = time.time()
        wait_until(lambda: (job := client.get(job_id)).attempts == 2 and job.step > 0, timeout=300, every=0.05)
        again = time.time() - killed
        job = client.wait(job_id, timeout=300, poll=0.05)
        done = time.time() - killed
        row = {"part": "recovery", "lease_s": lease, "job_s": steps * cluster_engines.STEP_SECONDS,
               "paints_again_after_s": round(again, 1), "done_after_s": round(done, 1), "status": job.status,
               "attempts": job.attempts, **tally({1: job_id}, client, runlog)}
    finally:
        for worker in pair:
            worker.stop()
        client.close()
    print(row, flush=True)
    return row


def run(args: argparse.Namespace, url: str, folder: Path) -> list[dict]:
    rows: list[dict] = []
    parts = set(args.parts.split(","))
    if "standin" in parts:
        for workers in (1, 2, 4):
            rows.append(throughput(url, folder, workers=workers, jobs=args.standin_jobs * workers, engine="standin",
                                   settings={"steps": args.standin_steps}, threads=1))
    if "real" in parts:
        for workers in (1, 2, 4):
            rows.append(throughput(url, folder, workers=workers, jobs=args.real_jobs, engine="real",
                                   settings={"size": args.real_size, "steps": args.real_steps}, threads=None))
    if "load" in parts:
        rows.append(load(url, folder, jobs=args.load_jobs, steps=args.standin_steps, utilisation=0.8))
    if "overhead" in parts:
        rows += overhead(url, folder, jobs=args.overhead_jobs, steps=5)
    if "recovery" in parts:
        rows.append(recovery(url, folder, steps=150, lease=30.0))
    return rows


def markdown(rows: list[dict], head: str) -> str:
    lines = [head, "", "| engine | workers | jobs | wall s | jobs/min | × 1 worker | lost | double |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for part in ("standin", "real"):
        base = next((row for row in rows if row["part"] == part and row["workers"] == 1), None)
        for row in (row for row in rows if row["part"] == part):
            ratio = row["jobs_per_min"] / base["jobs_per_min"] if base else float("nan")
            lines.append(f"| {'stand-in (sleeps)' if part == 'standin' else 'real jobs'} | {row['workers']} | "
                         f"{row['jobs']} | {row['wall_s']} | {row['jobs_per_min']} | {ratio:.2f} | "
                         f"{row['lost']} | {row['double']} |")
    for row in rows:
        if row["part"] == "load":
            lines += ["", f"Load, 2 workers at {row['utilisation']:.0%} of capacity, {row['jobs']} jobs: queue wait "
                      f"p50 {row['queue_wait_p50_s']} s, p95 {row['queue_wait_p95_s']} s; submit → first progress "
                      f"p50 {row['first_progress_p50_s']} s, p95 {row['first_progress_p95_s']} s; lost {row['lost']}, "
                      f"double {row['double']}."]
        elif row["part"] == "overhead" and "jobs" in row:
            lines += ["", f"Per-job overhead, {row['mode']} ({row['jobs']} jobs one at a time through the HTTP API): "
                      f"median {row['overhead_median_ms']} ms, p95 {row['overhead_p95_ms']} ms; submit → first "
                      f"progress seen {row['first_progress_median_ms']} ms; lost {row['lost']}."]
        elif row["part"] == "overhead":
            lines += ["", f"**Cluster overhead against embedded: {row['overhead_median_ms']} ms per job** (medians)."]
        elif row["part"] == "recovery":
            lines += ["", f"Recovery after `kill -9` ({row['lease_s']:g} s lease, a {row['job_s']:g} s job): painting "
                      f"again after {row['paints_again_after_s']} s, done {row['done_after_s']} s after the kill "
                      f"(attempt {row['attempts']}, {row['status']}); lost {row['lost']}, double {row['double']}."]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", default="standin,real,load,overhead,recovery")
    parser.add_argument("--standin-jobs", type=int, default=12, help="stand-in jobs per worker")
    parser.add_argument("--standin-steps", type=int, default=10, help="steps of 0.2 s per stand-in job")
    parser.add_argument("--real-jobs", type=int, default=8)
    parser.add_argument("--real-size", type=int, default=128)
    parser.add_argument("--real-steps", type=int, default=20)
    parser.add_argument("--load-jobs", type=int, default=30)
    parser.add_argument("--overhead-jobs", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="few jobs, results named …-quick, BENCHMARKS.md untouched")
    parser.add_argument("--render", type=Path, help="write BENCHMARKS.md's table from this results file, run nothing")
    naming.add_arguments(parser)
    args = parser.parse_args()
    if args.render:
        saved = json.loads(args.render.read_text())
        markdown_sections.replace_section(ROOT / "BENCHMARKS.md", "cluster", markdown(saved["rows"], saved["head"]))
        return 0
    if shutil.which("redis-server") is None:
        parser.error("needs redis-server (apt-get install redis-server) and the cluster extra")
    if args.quick:
        args.standin_jobs, args.real_jobs, args.load_jobs, args.overhead_jobs = 2, 2, 6, 3
    machine, commit = args.machine or naming.machine_id("cpu"), naming.commit_id()
    started = datetime.datetime.now(datetime.timezone.utc)
    with tempfile.TemporaryDirectory(prefix="facestyle-cluster-bench-") as scratch:
        server = RedisServer(Path(scratch))
        try:
            rows = run(args, server.url, Path(scratch))
        finally:
            server.stop()
    head = (f"Measured {started:%Y-%m-%d %H:%M} UTC, commit {commit}, `{machine}`, "
            f"load average at the end {', '.join(f'{value:.2f}' for value in os.getloadavg())}.")
    text = markdown(rows, head)
    print(text)
    path = naming.results_for("cluster", machine, commit, args.out, quick=args.quick).file(".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": machine, "commit": commit, "started": started.isoformat(), "head": head,
                                "args": vars(args) | {"out": str(args.out)}, "rows": rows}, indent=1))
    if not args.quick and args.parts == parser.get_default("parts"):
        markdown_sections.replace_section(ROOT / "BENCHMARKS.md", "cluster", text)
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
