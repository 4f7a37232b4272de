"""Measure the int8 AdaIN's activation ranges on bundled photos and paintings and write the file
the package ships (src/facestyle/fast/adain_int8_ranges.json).

    .venv/bin/python scripts/adain_int8_ranges.py           # write it
    .venv/bin/python scripts/adain_int8_ranges.py --check   # exit 1 if the shipped file differs
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from facestyle.fast.adain import load_adain  # noqa: E402
from facestyle.fast.adain_int8 import RANGES_FILE, measure_ranges  # noqa: E402
from facestyle.image.io import load_image, resize_long_side, to_tensor  # noqa: E402

#: Photos of different light and skin, and paintings from flat to busy, at the fast mode's 512 px.
PHOTOS = ("face_04_christina_koch_nasa_2014.jpg", "face_06_abraham_lincoln_1863.jpg",
          "face_15_man_lowkey_pixabay852762.jpg")
PAINTINGS = ("style_vangogh_starry_night_1889.jpg", "style_vermeer_girl_with_a_pearl_earring_1665.jpg",
             "style_drawing_leonardo_selfportrait_redchalk_1512.jpg")
SIZE = 512


def measured() -> dict:
    photos = [to_tensor(resize_long_side(load_image(ROOT / "examples" / "faces" / name), SIZE)) for name in PHOTOS]
    paintings = [to_tensor(resize_long_side(load_image(ROOT / "examples" / "styles" / name), SIZE))
                 for name in PAINTINGS]
    ranges = measure_ranges(load_adain(), photos, paintings)
    return {name: [[round(low, 6), round(high, 6)] for low, high in values] for name, values in ranges.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the shipped file instead of writing it")
    args = parser.parse_args()
    ranges = measured()
    # One range per line: the file diffs line by line when the ranges are measured again.
    blocks = [f' "{name}": [\n' + ",\n".join(f"  {json.dumps(pair)}" for pair in values) + "\n ]"
              for name, values in ranges.items()]
    text = "{\n" + ",\n".join(blocks) + "\n}\n"
    if args.check:
        same = RANGES_FILE.read_text() == text
        print("the shipped ranges are current" if same else f"{RANGES_FILE} differs from a fresh measurement")
        return 0 if same else 1
    RANGES_FILE.write_text(text)
    print(f"wrote {RANGES_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
