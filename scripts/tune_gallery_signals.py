"""Tune the MicroAST style signal of every gallery painting and write the files the package ships
(src/facestyle/fast/signals/<painting id>.json), with the defaults of facestyle.fast.signal_tuning.

The signals are tuned on half of the bundled photos (TUNING_PHOTOS), so the fast-mode benchmark
can report the other half as photos the signals never saw. About 80 s per painting on a 2-core CPU.

    .venv/bin/python scripts/tune_gallery_signals.py                 # all gallery paintings
    .venv/bin/python scripts/tune_gallery_signals.py starry-night    # some of them
    .venv/bin/python scripts/tune_gallery_signals.py --check the-scream   # exit 1 if a shipped file differs
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, fields
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from facestyle.fast.signal_store import load_signal, save_signal  # noqa: E402
from facestyle.fast.signal_tuning import Tuning, tune_signal  # noqa: E402
from facestyle.image.io import load_image  # noqa: E402
from facestyle.web.gallery import PAINTINGS  # noqa: E402

#: Every other bundled photo (examples/faces): different sitters, light, age and skin.
TUNING_PHOTOS = ("face_05_andrew_morgan_nasa_2014", "face_07_frederick_douglass_c1879",
                 "face_09_woodrow_wilson_c1919", "face_11_julia_jackson_cameron_1867",
                 "face_15_man_lowkey_pixabay852762")
FOLDER = ROOT / "src" / "facestyle" / "fast" / "signals"
TOLERANCE = 1e-4


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paintings", nargs="*", help="gallery ids (all when none are given)")
    parser.add_argument("--check", action="store_true",
                        help="tune again and compare with the shipped files instead of writing them")
    args = parser.parse_args()
    chosen = [p for p in PAINTINGS if not args.paintings or p.id in args.paintings]
    photos = [load_image(ROOT / "examples" / "faces" / f"{name}.jpg") for name in TUNING_PHOTOS]
    tuning = Tuning()
    for painting in chosen:
        with tqdm(total=tuning.steps, desc=painting.id, unit="step") as bar:
            def progress(step: int, steps: int, style: float) -> None:
                bar.update(1)
                bar.set_postfix(style=f"{style:.4f}")

            image = load_image(painting.read_bytes())
            signal = tune_signal(image, photos, tuning, progress=progress)
        if args.check:
            shipped = load_signal(FOLDER / f"{painting.id}.json")
            # The files keep 6 decimals; a tuning on the same code differs by float rounding only.
            worst = max(float((getattr(signal, f.name) - getattr(shipped, f.name)).abs().max()) for f in fields(signal))
            print(f"{painting.id}: largest difference {worst:.2e}")
            if worst > TOLERANCE:
                print(f"{painting.id}: the shipped signal differs; run this script without --check")
                return 1
            continue
        about = {"painting": f"gallery:{painting.id}", "photos": [f"examples/faces/{n}.jpg" for n in TUNING_PHOTOS]}
        print(save_signal(signal, image, asdict(tuning), folder=FOLDER, about=about, name=painting.id).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
