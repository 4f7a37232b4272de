"""Studio latency: from pressing Start to the first picture on the page.

Serves a fresh studio (its app in this process under uvicorn, as ``facestyle serve``, with the real
engine) and does what the page does when Start is pressed: posts the job (the photo file as chosen,
a gallery painting, a quality), follows the job's event stream until an event says a preview is
there, then fetches that preview. The time from the start of the post to the preview's last byte
is the latency a person sees; the post's own time (upload checks, decoding, the stored copy) is
printed besides, and its parts timed alone (decode, shrink to the print size, PNG at level 1 and 6). A ``balanced`` job is cancelled once its first picture (the fast painting) is
there; each fast result is painted again at strength 0.6 from its stored photo, as the page does
when the Strength slider moves (``from_job``, no upload).

Photos: a bundled photo as it is (``examples/faces``, 512 × 640 px) and the same photo enlarged to
``--megapixels`` as a quality-92 JPEG (a phone photo's size). Baseline, interleaved round by round in
the same run: the stored copy of the upload written at Pillow's default PNG compression (level 6,
not ``UPLOAD_PNG_LEVEL``) and the event stream looking every 0.25 s also while the first picture is
due (not ``FIRST_PICTURE_POLL``).

    python benchmarks/studio_latency.py            # 2 photos × (fast, re-render, balanced) × 2 variants × 4 rounds
    python benchmarks/studio_latency.py --quick    # 1 round

Writes ``benchmarks/results/studio_latency-<machine>-<commit>.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "src"))

import naming  # noqa: E402

from facestyle.image.io import resize_long_side  # noqa: E402
from facestyle.web import uploads  # noqa: E402
from facestyle.web.config import StudioConfig  # noqa: E402
from facestyle.web.routes import events  # noqa: E402
from phone_photos import phone_jpeg  # noqa: E402

PHOTO = ROOT / "examples" / "faces" / "face_14_older_man_pixabay2442565.jpg"
STYLE_ID = "great-wave"
QUALITIES = ("fast", "balanced")
#: The Strength slider moved on a fast result: the same job again at strength 0.6 from its stored photo.
RERENDER = "fast, strength slider"
VARIANTS = ("studio", "baseline")


def first_picture(client: httpx.Client, quality: str, *, photo: bytes | None = None, from_job: str | None = None,
                  strength: float | None = None) -> dict:
    """Post one job as the page does and wait for its first preview; seconds from the post's start.

    A fast job is followed to its end (a re-render starts from it); any other is cancelled once
    its first picture is there; either way the studio's painters are idle again before it returns.
    """
    data = {"quality": quality}
    if from_job is not None:
        data["from_job"] = from_job
    else:
        data["style_id"] = STYLE_ID
    if strength is not None:
        data["strength"] = str(strength)
    # Multipart like the page's FormData: the fields as parts with no file name, then the photo.
    parts = [(name, (None, value)) for name, value in data.items()]
    if photo is not None:
        parts.append(("content", ("photo.jpg", photo, "image/jpeg")))
    started = time.perf_counter()
    answer = client.post("/api/jobs", files=parts)
    answer.raise_for_status()
    posted = time.perf_counter() - started
    job = answer.json()
    with client.stream("GET", job["links"]["events"]) as events:
        for line in events.iter_lines():
            if not line.startswith("data: "):
                continue
            job = json.loads(line[len("data: "):])
            if job.get("preview_version", 0) > 0 or job["status"] in ("failed", "cancelled", "deleted"):
                break
    if job["status"] == "failed":
        raise RuntimeError(f"the job failed: {job['error']}")
    preview = client.get(job["links"]["preview"])
    preview.raise_for_status()
    seconds = time.perf_counter() - started
    if quality != "fast" and job["status"] not in ("done", "failed", "cancelled"):
        client.post(f"/api/jobs/{job['id']}/cancel")
    while job["status"] not in ("done", "failed", "cancelled"):
        time.sleep(0.05)
        job = client.get(f"/api/jobs/{job['id']}").json()
    # The next job starts on an idle studio: a cancelled job is marked at once but its painter
    # stops only at its next step.
    while any(worker["job"] for worker in client.get("/api/health").json()["workers"]):
        time.sleep(0.05)
    return {"seconds": seconds, "post_seconds": posted, "status": job["status"], "id": job["id"]}


def upload_parts(photo: bytes, long_side: int, rounds: int) -> dict:
    """Seconds of the post's own parts, each timed alone (median of ``rounds``): decoding the upload,
    shrinking it to ``long_side``, and writing that copy as PNG at zlib level 1 and 6, with the sizes."""
    times: dict[str, list[float]] = {"decode_s": [], "shrink_s": [], "store_level_1_s": [], "store_level_6_s": []}
    sizes = {}
    for _ in range(rounds):
        started = time.perf_counter()
        image = uploads.sniff_image(photo, what="photo", max_pixels=10**9)
        times["decode_s"].append(time.perf_counter() - started)
        started = time.perf_counter()
        image = resize_long_side(image, long_side) if max(image.size) > long_side else image
        times["shrink_s"].append(time.perf_counter() - started)
        for level in (1, 6):
            out = io.BytesIO()
            started = time.perf_counter()
            image.save(out, format="PNG", compress_level=level)
            times[f"store_level_{level}_s"].append(time.perf_counter() - started)
            sizes[f"store_level_{level}_bytes"] = out.tell()
    return {**{key: statistics.median(values) for key, values in times.items()}, **sizes}


def serve(data: Path):
    import uvicorn

    from facestyle.web.app import create_app

    app = create_app(StudioConfig(data_dir=data))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, server.servers[0].sockets[0].getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megapixels", type=float, default=12.0)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="1 round; results named …-quick")
    naming.add_arguments(parser)
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else args.rounds
    machine, commit = args.machine or naming.machine_id("cpu"), naming.commit_id()
    files = naming.results_for("studio_latency", machine, commit, args.out, quick=args.quick)
    photos = {"bundled 512 × 640": PHOTO.read_bytes(), f"phone {args.megapixels:g} MP": phone_jpeg(PHOTO, args.megapixels)}
    level, first_poll = uploads.UPLOAD_PNG_LEVEL, events.FIRST_PICTURE_POLL
    started = time.time()
    rows = []
    with tempfile.TemporaryDirectory(prefix="facestyle-latency-") as folder:
        server, thread, port = serve(Path(folder))
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
                first_picture(client, "fast", photo=photos["bundled 512 × 640"])  # warm: models load on the first job
                for turn in range(rounds):
                    for photo_name, photo in photos.items():
                        order = VARIANTS if turn % 2 == 0 else VARIANTS[::-1]
                        for variant in order:
                            uploads.UPLOAD_PNG_LEVEL = level if variant == "studio" else 6
                            events.FIRST_PICTURE_POLL = first_poll if variant == "studio" else events.EVENT_POLL
                            for quality in QUALITIES:
                                row = first_picture(client, quality, photo=photo)
                                rows.append({"round": turn, "photo": photo_name, "quality": quality,
                                             "variant": variant, **row})
                                print(json.dumps(rows[-1]), flush=True)
                                if quality == "fast":
                                    # The Strength slider moved on that result: painted again from its stored photo.
                                    again = first_picture(client, "fast", from_job=row["id"], strength=0.6)
                                    rows.append({"round": turn, "photo": photo_name, "quality": RERENDER,
                                                 "variant": variant, **again})
                                    print(json.dumps(rows[-1]), flush=True)
        finally:
            uploads.UPLOAD_PNG_LEVEL, events.FIRST_PICTURE_POLL = level, first_poll
            server.should_exit = True
            thread.join(timeout=10)
    summary = []
    for photo_name in photos:
        for quality in (*QUALITIES, RERENDER):
            entry = {"photo": photo_name, "quality": quality}
            for variant in VARIANTS:
                picked = [row for row in rows if (row["photo"], row["quality"], row["variant"]) == (photo_name, quality, variant)]
                entry[variant] = {"seconds": statistics.median(row["seconds"] for row in picked),
                                  "post_seconds": statistics.median(row["post_seconds"] for row in picked)}
            entry["ratio"] = entry["baseline"]["seconds"] / entry["studio"]["seconds"]
            summary.append(entry)
            print(f"{photo_name}, {quality}: first picture {entry['studio']['seconds']:.2f} s "
                  f"(post {entry['studio']['post_seconds']:.2f} s); stored at level 6, stream at 0.25 s: "
                  f"{entry['baseline']['seconds']:.2f} s (post {entry['baseline']['post_seconds']:.2f} s): "
                  f"{entry['ratio']:.2f}×")
    largest = StudioConfig(data_dir=Path(tempfile.gettempdir())).largest_size
    parts = {name: upload_parts(photo, largest, max(rounds, 3)) for name, photo in photos.items()}
    for name, part in parts.items():
        print(f"{name}, the post's parts alone: decode {part['decode_s']:.3f} s, shrink to {largest} px "
              f"{part['shrink_s']:.3f} s, store as PNG {part['store_level_1_s']:.3f} s at level 1 "
              f"({part['store_level_1_bytes'] / 1e6:.2f} MB), {part['store_level_6_s']:.3f} s at level 6 "
              f"({part['store_level_6_bytes'] / 1e6:.2f} MB)")
    files.write_json({"megapixels": args.megapixels, "rounds": rounds, "wall_seconds": time.time() - started,
                      "summary": summary, "upload_parts": parts, "rows": rows},
                     commit=commit, machine=machine)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
