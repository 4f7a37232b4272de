"""Tune the MicroAST style signal of every gallery painting and write the files the package ships
(src/facestyle/fast/signals/<painting id>.json), with the defaults of facestyle.fast.signal_tuning.

The signals are tuned on half of the bundled photos (TUNING_PHOTOS), so the fast-mode benchmark
can report the other half as photos the signals never saw. About 90 s per painting on a 2-core CPU.

    .venv/bin/python scripts/tune_gallery_signals.py                 # all gallery paintings
    .venv/bin/python scripts/tune_gallery_signals.py starry-night    # some of them
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from facestyle.fast.signal_store import save_signal  # noqa: E402
from facestyle.fast.signal_tuning import Tuning, tune_signal  # noqa: E402
from facestyle.image.io import load_image  # noqa: E402
from facestyle.web.gallery import PAINTINGS  # noqa: E402

#: Every other bundled photo (examples/faces): different sitters, light, age and skin.
TUNING_PHOTOS = ("face_05_andrew_morgan_nasa_2014", "face_07_frederick_douglass_c1879",
                 "face_09_woodrow_wilson_c1919", "face_11_julia_jackson_cameron_1867",
                 "face_15_man_lowkey_pixabay852762")
FOLDER = ROOT / "src" / "facestyle" / "fast" / "signals"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paintings", nargs="*", help="gallery ids (all when none are given)")
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
        about = {"painting": f"gallery:{painting.id}", "photos": [f"examples/faces/{n}.jpg" for n in TUNING_PHOTOS]}
        print(save_signal(signal, image, tuning, folder=FOLDER, about=about, name=painting.id).relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
