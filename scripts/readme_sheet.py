"""Render the README's before/after contact sheet (docs/images/readme-sheet.jpg).

Rows are face photos, columns are styles: the photo on the left, then the photo painted in each
style, with the painting itself as the column header. Uses only the public API
(``facestyle.stylize``) and Pillow.

    .venv/bin/python scripts/readme_sheet.py                      # a few minutes on 2 CPU cores
    .venv/bin/python scripts/readme_sheet.py --size 384 -o sheet.jpg

Photos and paintings are looked up in ``--images`` (default: the repository's ``examples/``),
falling back to the test fixtures and the studio's bundled paintings; a slot none of whose files
exists is left out.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

import facestyle

REPO = Path(__file__).resolve().parent.parent
PAINTINGS = REPO / "src" / "facestyle" / "web" / "paintings"

#: One row per slot; the first candidate that exists is used (relative paths are under --images).
PHOTO_SLOTS: tuple[tuple[str | Path, ...], ...] = (
    ("faces/face_07_frederick_douglass_c1879.jpg", "face_07_frederick_douglass_c1879.jpg"),
    ("face_04_christina_koch_nasa_2014.jpg", "faces/face_04_christina_koch_nasa_2014.jpg",
     REPO / "tests" / "data" / "face_koch_256.jpg"),
    ("faces/face_10_queen_liliuokalani_c1891.jpg", "face_10_queen_liliuokalani_c1891.jpg",
     REPO / "tests" / "data" / "face_washington_gray_256.jpg"),
)

#: One column per slot: (candidates, title, artist and year).
STYLE_SLOTS: tuple[tuple[tuple[str | Path, ...], str, str], ...] = (
    (("style_vangogh_selfportrait_1889.jpg", "styles/style_vangogh_selfportrait_1889.jpg",
      PAINTINGS / "vangogh-self-portrait.jpg"), "Self-Portrait", "Vincent van Gogh, 1889"),
    (("styles/style_vangogh_starry_night_1889.jpg", "style_vangogh_starry_night_1889.jpg",
      PAINTINGS / "starry-night.jpg"), "The Starry Night", "Vincent van Gogh, 1889"),
    (("styles/style_hokusai_great_wave_1831.jpg", "style_hokusai_great_wave_1831.jpg",
      PAINTINGS / "great-wave.jpg"), "The Great Wave", "Katsushika Hokusai, c. 1831"),
)

CELL = 256          # each picture fits a CELL × CELL box
GAP = 10            # space between cells and around the sheet
HEADER_IMAGE = 150  # height of the painting thumbnails in the header row
BACKGROUND = (248, 246, 242)
INK = (40, 40, 40)
MAX_WIDTH = 1200
MAX_BYTES = 400_000


def _first_existing(candidates: tuple[str | Path, ...], images: Path) -> Path | None:
    for candidate in candidates:
        path = candidate if isinstance(candidate, Path) else images / candidate
        if path.is_file():
            return path
    return None


def _load_photo(path: Path) -> Image.Image:
    """The photo, a wide one centre-cropped to a square (the bundled photos have the face in the middle)."""
    with Image.open(path) as image:
        image = image.convert("RGB")
    if image.width > 1.25 * image.height:
        left = (image.width - image.height) // 2
        image = image.crop((left, 0, left + image.height, image.height))
    return image


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for name in ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            pass
    return ImageFont.load_default(size)


def _fit(image: Image.Image, width: int, height: int) -> Image.Image:
    image = image.convert("RGB")
    image.thumbnail((width, height), Image.Resampling.LANCZOS)
    return image


def _paste_centred(sheet: Image.Image, image: Image.Image, x: int, y: int, width: int, height: int) -> None:
    sheet.paste(image, (x + (width - image.width) // 2, y + (height - image.height) // 2))


def _text_centred(draw: ImageDraw.ImageDraw, text: str, x: int, y: int, width: int, font) -> None:
    left, _, right, _ = draw.textbbox((0, 0), text, font=font)
    draw.text((x + (width - (right - left)) // 2, y), text, fill=INK, font=font)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, default=REPO / "examples",
                        help="folder with the photos and paintings [examples/]")
    parser.add_argument("-o", "--output", type=Path, default=REPO / "docs" / "images" / "readme-sheet.jpg",
                        help="the contact sheet, .jpg [docs/images/readme-sheet.jpg]")
    parser.add_argument("--size", type=int, default=CELL, help=f"long side of each result in pixels [{CELL}]")
    parser.add_argument("--steps", type=int, default=None, help="optimisation steps [facestyle's default]")
    args = parser.parse_args(argv)

    photos = [path for slot in PHOTO_SLOTS if (path := _first_existing(slot, args.images)) is not None]
    styles = [(path, title, byline) for candidates, title, byline in STYLE_SLOTS
              if (path := _first_existing(candidates, args.images)) is not None]
    if not photos or not styles:
        print(f"readme_sheet: no photos or no paintings found under {args.images}", file=sys.stderr)
        return 2

    options = {"size": args.size}
    if args.steps is not None:
        options["steps"] = args.steps
    results: dict[tuple[int, int], Image.Image] = {}
    started = time.perf_counter()
    for row, photo in enumerate(photos):
        content = _load_photo(photo)
        for column, (painting, title, _) in enumerate(styles):
            t0 = time.perf_counter()
            results[row, column] = facestyle.stylize(content, painting, **options).image
            print(f"{photo.name} × {title}: {time.perf_counter() - t0:.1f} s", flush=True)
    print(f"{len(results)} portraits in {time.perf_counter() - started:.0f} s")

    title_font, byline_font = _font(17), _font(13)
    header = HEADER_IMAGE + 8 + 22 + 18
    columns = 1 + len(styles)
    width = GAP + columns * (CELL + GAP)
    height = GAP + header + GAP + len(photos) * (CELL + GAP)
    sheet = Image.new("RGB", (width, height), BACKGROUND)
    draw = ImageDraw.Draw(sheet)

    _text_centred(draw, "photo", GAP, GAP + HEADER_IMAGE - 22, CELL, title_font)
    for column, (painting, title, byline) in enumerate(styles, start=1):
        x = GAP + column * (CELL + GAP)
        with Image.open(painting) as image:
            _paste_centred(sheet, _fit(image, CELL, HEADER_IMAGE), x, GAP, CELL, HEADER_IMAGE)
        _text_centred(draw, title, x, GAP + HEADER_IMAGE + 8, CELL, title_font)
        _text_centred(draw, byline, x, GAP + HEADER_IMAGE + 8 + 22, CELL, byline_font)

    for row, photo in enumerate(photos):
        y = GAP + header + GAP + row * (CELL + GAP)
        _paste_centred(sheet, _fit(_load_photo(photo), CELL, CELL), GAP, y, CELL, CELL)
        for column in range(1, columns):
            x = GAP + column * (CELL + GAP)
            _paste_centred(sheet, _fit(results[row, column - 1], CELL, CELL), x, y, CELL, CELL)

    if sheet.width > MAX_WIDTH:
        sheet = sheet.resize((MAX_WIDTH, round(sheet.height * MAX_WIDTH / sheet.width)), Image.Resampling.LANCZOS)
    for quality in (88, 84, 80, 75, 70, 65, 60):
        data = io.BytesIO()
        sheet.save(data, format="JPEG", quality=quality, optimize=True, progressive=True)
        if data.tell() <= MAX_BYTES:
            break
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data.getvalue())
    print(f"wrote {args.output} ({sheet.width}×{sheet.height}, {data.tell() / 1000:.0f} KB, JPEG quality {quality})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
