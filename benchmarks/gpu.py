"""GPU timings: facestyle's default at 512 and 1024 px, AdaIN, and the report's recipe as the baseline.

Every number comes from this one process on one card, after a warm-up run (CUDA context, cuDNN
autotuning and the weights read are paid once, as in a long-lived studio). Each timing
synchronises the GPU before reading the clock. Also checks that TF32 keeps the result equal to
full FP32 within a stated tolerance. Writes ``benchmarks/results/gpu-<machine>-<commit>.json`` and the
default's images beside it (BENCHMARKS.md#gpu).

    python benchmarks/gpu.py                        # on a CUDA machine
    python benchmarks/gpu.py --device cpu --quick   # smoke test of the script anywhere
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "src"))

import naming  # noqa: E402

import facestyle  # noqa: E402

CONTENT = ROOT / "examples" / "face_04_christina_koch_nasa_2014.jpg"
STYLE = ROOT / "examples" / "style_vangogh_selfportrait_1889.jpg"


try:  # Face analysis needs mediapipe; a machine without it times the plain mode.
    import mediapipe  # noqa: F401

    FACE_AWARE = True
except ImportError:
    FACE_AWARE = False


def timed(device: str, **options) -> tuple[float, facestyle.Result]:
    options.setdefault("face_aware", FACE_AWARE)
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    result = facestyle.stylize(CONTENT, STYLE, device=device, **options)
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started, result


def main(argv: list[str] | None = None) -> int | str:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda", help="cuda, or cpu to check the script [cuda]")
    parser.add_argument("--quick", action="store_true", help="tiny settings, to check the script runs")
    naming.add_arguments(parser)
    args = parser.parse_args(argv)
    device = args.device
    if device == "cuda" and not torch.cuda.is_available():
        return "gpu.py: no CUDA device here (torch sees none); to check the script on a CPU: --device cpu --quick"
    sizes = (64, 96) if args.quick else (512, 1024)
    budget = {"steps": 6} if args.quick else {}
    results = naming.results_for("gpu", args.machine or naming.machine_id(device), naming.commit_id(), args.out,
                                 quick=args.quick)
    results.folder.mkdir(parents=True, exist_ok=True)
    card = torch.cuda.get_device_name(0) if device == "cuda" else "cpu"
    print(f"device: {card}; torch {torch.__version__}; face-aware: {FACE_AWARE}", flush=True)
    rows = []

    def record(label: str, seconds: float, result: facestyle.Result) -> None:
        peak = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else float("nan")
        final = result.final_costs.get("total", float("nan"))
        rows.append({"run": label, "seconds": seconds, "final_j": final, "peak_gpu_mb": peak,
                     "size": list(result.image.size)})
        print(f"{label:48s} {seconds:7.2f} s  J={final:.4g}  peak {peak:.0f} MB  {result.image.size}", flush=True)

    timed(device, size=sizes[0], steps=6)  # warm-up: context, kernels, weights
    timed(device, size=sizes[0], method="adain")
    for size in sizes:
        seconds, result = timed(device, size=size, **budget)
        record(f"facestyle default gatys {size} px", seconds, result)
        result.image.save(results.file(f"-default-{size}.png"))
        seconds, result = timed(device, size=size, objective="report", **budget)
        record(f"facestyle default, objective=report {size} px", seconds, result)
        seconds, result = timed(device, size=size, method="adain")
        record(f"adain {size} px", seconds, result)
    recipe_steps = 5 if args.quick else 1001
    seconds, baseline = timed(device, size=sizes[0], recipe="report", steps=recipe_steps)
    record(f"report recipe (Adam, {recipe_steps} steps) {sizes[0]} px", seconds, baseline)

    # TF32 against full FP32 on the same run: how far apart do the results end up?
    compare_steps = 6 if args.quick else 60
    tf32 = timed(device, size=sizes[0], steps=compare_steps, scales=1, seed=1)[1]
    fp32 = timed(device, size=sizes[0], steps=compare_steps, scales=1, seed=1, allow_tf32=False)[1]
    difference = np.abs(np.asarray(tf32.image, dtype=np.float32) - np.asarray(fp32.image, dtype=np.float32))
    j_gap = abs(tf32.final_costs["total"] - fp32.final_costs["total"]) / fp32.final_costs["total"]
    print(f"TF32 vs FP32 after {compare_steps} L-BFGS steps: relative J gap {j_gap:.2%}, mean |Δpixel| {difference.mean():.2f}/255, "
          f"max {difference.max():.0f}/255", flush=True)
    results.file(".json").write_text(json.dumps({
        "date": datetime.date.today().isoformat(), "device": card, "torch": torch.__version__, "runs": rows,
        "tf32_vs_fp32": {"relative_j_gap": j_gap, "mean_abs_pixel": float(difference.mean()),
                         "max_abs_pixel": float(difference.max())},
    }, indent=1))
    print(f"results: {results.file('.json')}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
