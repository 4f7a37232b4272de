"""Cores shared: facestyle workers painting at once on one machine, and a studio job under HTTP load.

Part ``workers``: one worker process paints a fixed job (L-BFGS at one scale, face-aware) alone,
then two worker processes paint the same job at once, first each with all the cores (PyTorch's
default), then each with its share (facestyle.cores.threads_per_worker). Every process loads its
models first and all start painting together. Reported: seconds per L-BFGS step (median), seconds
per job, and jobs per minute over the wall time.

Part ``studio``: the studio (its app, served by uvicorn in this process as ``facestyle serve``
does) paints a job while nobody watches, then while a client process hammers its HTTP endpoints
(the job's status, its preview, the events stream, health) as fast as it can, at nice 19 (a client
elsewhere) and at nice 0 (a client on this machine), and while a client does what the studio's
page does (one events stream, each new preview, health every 5 s). Reported: seconds per L-BFGS
step of the job, and the requests the client got answered.

    python benchmarks/cores.py            # writes benchmarks/results/cores-<machine>-<commit>.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import naming  # noqa: E402

ROOT = naming.ROOT
PHOTO = ROOT / "examples" / "faces" / "face_04_christina_koch_nasa_2014.jpg"
PAINTING = ROOT / "examples" / "styles" / "style_vangogh_selfportrait_1889.jpg"


def job_options(args: argparse.Namespace) -> dict:
    return {"size": args.size, "steps": args.steps, "scales": 1, "seed": 0, "optimizer": "lbfgs"}


def step_seconds(elapsed: list[float]) -> list[float]:
    """Seconds of each step from the elapsed times the engine reports after every step."""
    return [later - earlier for earlier, later in zip(elapsed, elapsed[1:])]


# -- part workers: one process per worker -----------------------------------------------------------


def child(args: argparse.Namespace) -> int:
    """One worker: load everything, say ready, wait for 'go', paint the job, print its timings."""
    from facestyle import stylize
    from facestyle.cores import use_threads

    if args.threads:
        use_threads(args.threads)
    import torch

    stylize(PHOTO, PAINTING, **{**job_options(args), "steps": 2, "size": 64})  # models loaded, caches warm
    print("ready", flush=True)
    sys.stdin.readline()
    elapsed: list[float] = []
    started = time.perf_counter()
    stylize(PHOTO, PAINTING, progress=lambda event: elapsed.append(event.elapsed), **job_options(args))
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "steps": step_seconds(elapsed), "threads": torch.get_num_threads()}))
    return 0


def run_workers(args: argparse.Namespace, workers: int, threads: int | None, extra: dict | None = None) -> dict:
    """``workers`` processes painting the job at once; ``threads`` None leaves PyTorch's default."""
    from facestyle.cores import thread_environment

    command = [sys.executable, __file__, "--child", "--size", str(args.size), "--steps", str(args.steps)]
    environment = {**(thread_environment(threads) if threads else os.environ), **(extra or {})}
    if threads:
        command += ["--threads", str(threads)]
    processes = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=environment)
        for _ in range(workers)
    ]
    for process in processes:
        assert process.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    reports = [json.loads(process.communicate()[0].strip().splitlines()[-1]) for process in processes]
    wall = time.perf_counter() - started
    steps = [step for report in reports for step in report["steps"]]
    return {
        "workers": workers,
        "threads_each": reports[0]["threads"],
        "step_seconds_median": statistics.median(steps),
        "job_seconds": [report["seconds"] for report in reports],
        "wall_seconds": wall,
        "jobs_per_minute": 60 * workers / wall,
    }


def part_workers(args: argparse.Namespace) -> list[dict]:
    from facestyle.cores import available_cores, threads_per_worker

    cores = available_cores()
    passive = {"OMP_WAIT_POLICY": "PASSIVE"}
    scenarios = [
        ("1 worker, all cores", 1, None, None),
        ("2 workers, all cores each", 2, None, None),
        ("2 workers, all cores each, OMP_WAIT_POLICY=PASSIVE", 2, None, passive),
        ("2 workers, threads_per_worker", 2, threads_per_worker(2, cores), None),
    ]
    rows = []
    for repeat in range(args.repeats):
        for label, workers, threads, extra in scenarios:
            row = {"scenario": label, "repeat": repeat, **run_workers(args, workers, threads, extra)}
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


# -- part studio: a job painting while a client hammers the HTTP endpoints --------------------------

HAMMER = r"""
import sys, threading, time, httpx
base, job = sys.argv[1], sys.argv[2]
paths = [f"/api/jobs/{job}", f"/api/jobs/{job}/preview", "/api/health", f"/api/jobs/{job}"]
count = [0] * len(paths)
stop = threading.Event()
def loop(index):
    with httpx.Client(base_url=base, timeout=10) as client:
        while not stop.is_set():
            client.get(paths[index])
            count[index] += 1
def stream():
    with httpx.Client(base_url=base, timeout=None) as client:
        while not stop.is_set():
            with client.stream("GET", f"/api/jobs/{job}/events") as response:
                for _ in response.iter_lines():
                    if stop.is_set():
                        break
threads = [threading.Thread(target=loop, args=(i,), daemon=True) for i in range(len(paths))]
threads.append(threading.Thread(target=stream, daemon=True))
for t in threads: t.start()
sys.stdin.read()
stop.set()
print(sum(count), flush=True)
"""


PAGE = r"""
import json, sys, threading, time, httpx
base, job, pages = sys.argv[1], sys.argv[2], int(sys.argv[3])
count = [0]
stop = threading.Event()
def health():
    with httpx.Client(base_url=base, timeout=10) as client:
        while not stop.wait(5.0):
            client.get("/api/health"); count[0] += 1
def follow():
    seen = -1
    with httpx.Client(base_url=base, timeout=None) as client:
        with client.stream("GET", f"/api/jobs/{job}/events") as response:
            count[0] += 1
            for line in response.iter_lines():
                if not line.startswith("data: "):
                    continue
                update = json.loads(line[6:])
                if update["preview_version"] > seen:
                    seen = update["preview_version"]
                    client.get(f"/api/jobs/{job}/preview"); count[0] += 1
                if stop.is_set() or update["status"] in ("done", "failed", "cancelled"):
                    break
threads = [threading.Thread(target=target, daemon=True) for _ in range(pages) for target in (health, follow)]
for t in threads: t.start()
sys.stdin.read()
stop.set()
print(count[0], flush=True)
"""

#: The clients of the studio part: name → (script, its arguments, nice); None for no client.
CLIENTS = {"none": None, "1 page": (PAGE, ["1"], 0), "8 pages": (PAGE, ["8"], 0),
           "hammer, nice 19": (HAMMER, [], 19), "hammer, nice 0": (HAMMER, [], 0)}


def studio_job(args: argparse.Namespace, client_name: str) -> dict:
    """Serve a fresh studio and paint one job while a client does ``CLIENTS[client_name]``; the job's
    step times and the requests answered.

    A page does what the studio's page does while a job paints: one events stream, each new
    preview fetched, health every 5 s; pages run at normal priority, as browsers on this machine.
    ``hammer`` asks for the job's status, preview, events and health as fast as it can: at nice 19
    it stands for clients on other machines (its own work then stays out of the figure, which shows
    what answering costs the studio), at nice 0 for a client on this machine.
    """
    import uvicorn

    from facestyle.engine import stylize
    from facestyle.image.io import load_image
    from facestyle.web.app import create_app
    from facestyle.web.config import StudioConfig

    elapsed: list[float] = []

    def engine(*positional, progress=None, **options):
        def record(event):
            if event.step > 0:
                elapsed.append(event.elapsed)
            return progress(event)

        return stylize(*positional, progress=record, **options)

    data = Path(tempfile.mkdtemp(prefix="facestyle-cores-"))
    app = create_app(StudioConfig(data_dir=data, preview_seconds=0.5), engine=engine)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    studio = app.state.studio
    job = studio.submit(
        load_image(PHOTO), quality="custom", options=job_options(args), style=load_image(PAINTING)
    )
    client = None
    if CLIENTS[client_name] is not None:
        script, arguments, nice = CLIENTS[client_name]
        client = subprocess.Popen(
            [sys.executable, "-c", script, f"http://127.0.0.1:{port}", job.id, *arguments],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, preexec_fn=lambda: os.nice(nice),
        )
    while studio.job(job.id).status not in ("done", "failed", "cancelled"):
        time.sleep(0.1)
    status = studio.job(job.id).status
    requests = int(client.communicate("")[0].strip()) if client is not None else 0
    server.should_exit = True
    thread.join(timeout=10)
    steps = step_seconds(elapsed)
    return {"client": client_name, "status": status, "step_seconds_median": statistics.median(steps),
            "job_seconds": elapsed[-1], "requests": requests}


def part_studio(args: argparse.Namespace) -> list[dict]:
    rows = []
    for repeat in range(args.repeats):
        for client_name in CLIENTS:
            row = {"repeat": repeat, **studio_job(args, client_name)}
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--parts", default="workers,studio")
    parser.add_argument("--quick", action="store_true", help="one repeat, results named …-quick")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=None, help=argparse.SUPPRESS)
    naming.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    if args.quick:
        args.repeats = 1
    machine, commit = args.machine or naming.machine_id("cpu"), naming.commit_id()
    started, load_before = time.time(), os.getloadavg()
    report: dict = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": commit, "machine": machine, "cpu_count": os.cpu_count(), "size": args.size, "steps": args.steps,
    }
    parts = args.parts.split(",")
    if "workers" in parts:
        report["workers"] = part_workers(args)
    if "studio" in parts:
        report["studio"] = part_studio(args)
    report["load_average_before_after"] = [load_before, os.getloadavg()]
    report["wall_seconds"] = time.time() - started
    path = naming.results_for("cores", machine, commit, args.out, quick=args.quick).file(".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1))
    print(f"results: {path} ({report['wall_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
