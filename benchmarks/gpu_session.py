"""One GPU session's checks, prepared here and run on the lent H100/H200 in two calls.

The device tool carries at most 64 MiB per call (working tree included), and the weights are 94 MB
(VGG-19 80 MB, AdaIN decoder 14 MB). So the VGG file travels in two halves: the first call leaves
its half in an ignored folder that the device keeps while it stays warm, the second brings the rest,
joins them, checks the SHA-256 (facestyle refuses any other file) and runs, in one process each:
``benchmarks/gpu.py`` (512 and 1024 px timings) and ``benchmarks/faces.py render`` at 512 px (all
photos × five styles, plain and face-aware), packing results into $OUT as it goes.

    python benchmarks/gpu_session.py pack                       # here: halves, decoder, face analyses
    # device run 1, carry [".device/first"]:   python3 benchmarks/gpu_session.py stash
    # device run 2 at once after it, carry [".device/second"]:
    #     python3 benchmarks/gpu_session.py run --out $OUT --budget 540
    python benchmarks/gpu_session.py measure --results DIR      # here: DIR = the run's files_at
    # (measure passes other flags to faces.py measure, e.g. --no-markdown --sheet PATH for a trial)

The faces render needs no mediapipe on the device: the analyses are made here and carried.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
#: Both folders are in .gitignore: a device call carries only ignored paths that it names.
PACK = ROOT / ".device"
#: Ignored and never carried, so a warm device keeps it from the first call to the second.
STASH = ROOT / ".device-stash"
HALF = "vgg_normalised.pth.half"
SIZE = 512


def pack() -> None:
    """Here: split the VGG weights in two, copy the decoder, analyse the faces at 512 px."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import faces as face_benchmark

    from facestyle.features.weights import ADAIN_DECODER, VGG19_NORMALISED, resolve_path

    shutil.rmtree(PACK, ignore_errors=True)
    first, second = PACK / "first", PACK / "second"
    first.mkdir(parents=True)
    (second / "faces").mkdir(parents=True)
    data = resolve_path(VGG19_NORMALISED).read_bytes()
    middle = len(data) // 2
    (first / HALF).write_bytes(data[:middle])
    (second / HALF).write_bytes(data[middle:])
    shutil.copy(resolve_path(ADAIN_DECODER), second / "decoder.pth")
    face_benchmark.prepare(second / "faces", SIZE)
    for folder in (first, second):
        megabytes = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 2**20
        print(f"{folder.relative_to(ROOT)}: {megabytes:.1f} MiB (a call carries at most 64 MiB with the tree)")


def stash() -> None:
    """Device, first call: keep the first half where the second call will find it."""
    STASH.mkdir(exist_ok=True)
    shutil.copy(PACK / "first" / HALF, STASH / HALF)
    print(f"stashed {STASH / HALF} ({(STASH / HALF).stat().st_size} bytes)")


def run(out: Path, budget: float, smoke: bool = False) -> int:
    """Device, second call: join and check the weights, then time the GPU and render the faces."""
    started = time.monotonic()
    second = PACK / "second"
    joined = STASH / "vgg_normalised.pth"
    with joined.open("wb") as stream:
        for part in (STASH / HALF, second / HALF):
            stream.write(part.read_bytes())
    from facestyle.features.weights import ADAIN_DECODER, VGG19_NORMALISED, verify

    verify(VGG19_NORMALISED, joined)  # raises with the expected hash when the halves do not match
    verify(ADAIN_DECODER, second / "decoder.pth")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "PYTHONUNBUFFERED": "1",
        VGG19_NORMALISED.env_var: str(joined),
        ADAIN_DECODER.env_var: str(second / "decoder.pth"),
    }
    out.mkdir(parents=True, exist_ok=True)
    # $OUT hands back at most 8 files: gpu.tar, five faces*.tar and timings.json. Logs are printed.
    gpu_folder = STASH / "gpu"
    gpu_folder.mkdir(exist_ok=True)
    gpu_command = [sys.executable, "benchmarks/gpu.py", "--out", str(gpu_folder / "gpu.json")]
    faces_command = [sys.executable, "benchmarks/faces.py", "render", "--work", str(second / "faces"),
                     "--size", str(SIZE), "--pack", str(out)]
    if smoke:  # a check of this script on any machine: tiny runs on the CPU
        gpu_command += ["--device", "cpu", "--quick"]
        faces_command += ["--device", "cpu", "--limit-faces", "1", "--steps", "2"]
    else:
        faces_command += ["--device", "cuda"]
    code = 0
    for command in (gpu_command, faces_command):
        left = budget - (time.monotonic() - started)
        if left < 30:
            print(f"skipped (budget spent): {' '.join(command)}", flush=True)
            continue
        print(f"$ {' '.join(command)}", flush=True)
        try:
            finished = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, timeout=left)
            code |= finished.returncode
            print(finished.stdout[-3000:], flush=True)
        except subprocess.TimeoutExpired as stopped:
            print((stopped.stdout or b"")[-3000:].decode(errors="replace") if isinstance(stopped.stdout, bytes)
                  else (stopped.stdout or "")[-3000:])
            print(f"stopped at the budget: {' '.join(command)} (what it packed is kept)", flush=True)
        if command is gpu_command:
            with tarfile.open(out / "gpu.tar", "w") as tar:  # gpu.json and the images it wrote
                for path in sorted(gpu_folder.iterdir()):
                    tar.add(path, arcname=path.name)
    return code


def measure(results: Path, work: Path, extra: list[str]) -> None:
    """Here: unpack the rendered faces next to the analyses and measure them (faces.py measure)."""
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(PACK / "second" / "faces" / "analyses.pkl.gz", work / "analyses.pkl.gz")
    for archive in sorted(results.glob("faces*.tar")):
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
    shutil.copy(results / "timings.json", work / "timings.json")
    if (results / "gpu.tar").exists():
        with tarfile.open(results / "gpu.tar") as tar:
            tar.extractall(work / "gpu", filter="data")
        print(f"GPU timings: {work / 'gpu' / 'gpu.json'}")
    subprocess.run([sys.executable, "benchmarks/faces.py", "measure", "--work", str(work), "--size", str(SIZE), *extra],
                   cwd=ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("phase", choices=["pack", "stash", "run", "measure"])
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "gpu-session-out")))
    parser.add_argument("--budget", type=float, default=540.0, help="run: seconds for both benchmarks together")
    parser.add_argument("--smoke", action="store_true", help="run: tiny CPU runs, to check this script anywhere")
    parser.add_argument("--results", type=Path, help="measure: the folder the device run's files came back to")
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / "results" / "faces_work")
    args, extra = parser.parse_known_args(argv)
    if extra and args.phase != "measure":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.phase == "pack":
        pack()
    elif args.phase == "stash":
        stash()
    elif args.phase == "run":
        return run(args.out, args.budget, args.smoke)
    else:
        if args.results is None:
            parser.error("measure needs --results DIR")
        measure(args.results, args.work, extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
