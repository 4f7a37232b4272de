"""Reading an uploaded image safely: bounded bytes, sniffed content, pixel limit, then a clean copy.

The file name and the declared content type are never trusted: the bytes are identified by
Pillow from their header, and only after the pixel count passes is anything decoded. What is
kept on disk is a PNG re-created from the pixels (orientation applied, sRGB), so no EXIF, GPS or
other metadata of the upload survives anywhere in the data folder.
"""

from __future__ import annotations

import io
import warnings
from typing import Any

from PIL import Image

from facestyle.errors import InputImageError
from facestyle.image.io import load_image, resize_long_side
from facestyle.web.errors import TooLarge, Unprocessable, UnsupportedMedia

#: Formats (as Pillow names them after sniffing) a photo or painting may arrive in.
ACCEPTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "BMP", "GIF", "TIFF"})
#: Declared types refused outright; anything else is sniffed, since browsers and curl often send
#: ``application/octet-stream`` or nothing for a perfectly good photo.
CHUNK = 1 << 16


async def read_limited(upload: Any, *, limit: int, what: str) -> bytes:
    """Read an uploaded file (Starlette ``UploadFile``) but never more than ``limit`` bytes.

    Raises:
        TooLarge: the file is bigger than ``limit``.
        Unprocessable: the file is empty.
    """
    parts = []
    total = 0
    while True:
        chunk = await upload.read(CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            raise TooLarge(f"the {what} is larger than {_megabytes(limit)}; send a smaller image")
        parts.append(chunk)
    if total == 0:
        raise Unprocessable(f"the {what} is empty (0 bytes); choose a PNG or JPEG image")
    return b"".join(parts)


def check_declared_type(content_type: str | None, *, what: str) -> None:
    """Refuse a part whose declared type says it is not an image (text, JSON, a zip…).

    Raises:
        UnsupportedMedia: the declared type is neither ``image/*`` nor a generic binary type.
    """
    declared = (content_type or "").split(";")[0].strip().lower()
    if declared in ("", "application/octet-stream") or declared.startswith("image/"):
        return
    raise UnsupportedMedia(f"the {what} was sent as '{declared}', not as an image; send a PNG or JPEG file")


def sniff_image(data: bytes, *, what: str, max_pixels: int) -> Image.Image:
    """Identify ``data`` from its bytes, check its size, then decode it to an sRGB RGB image.

    Raises:
        UnsupportedMedia: not an image, or an image format the studio does not take.
        TooLarge: more than ``max_pixels`` pixels (checked from the header, before decoding).
        Unprocessable: truncated, corrupt or too small.
    """
    try:
        with warnings.catch_warnings():
            # The header is read, not the pixels; the studio's max_pixels check decides, not Pillow's warning.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as header:
                fmt, (width, height) = header.format, header.size
    except Image.DecompressionBombError:
        raise TooLarge(f"the {what} has far too many pixels; downscale it below {_megapixels(max_pixels)}") from None
    except Image.UnidentifiedImageError:
        raise UnsupportedMedia(f"the {what} is not an image; send a PNG or JPEG file") from None
    except (OSError, ValueError, SyntaxError) as error:
        # ValueError: Pillow refuses over-large compressed metadata chunks (a bomb in a text chunk).
        raise Unprocessable(f"the {what} is corrupt ({error}); re-save it as PNG or JPEG") from None
    if fmt not in ACCEPTED_FORMATS:
        raise UnsupportedMedia(f"the {what} is a {fmt} file; send a PNG, JPEG or WebP image")
    if width * height > max_pixels:
        raise TooLarge(
            f"the {what} is {width}x{height} pixels, over the studio's {_megapixels(max_pixels)} limit; downscale it"
        )
    try:
        return load_image(data, what=what)
    except InputImageError as error:
        raise Unprocessable(str(error)) from None
    except ValueError as error:  # defensive: a Pillow refusal load_image does not translate
        raise Unprocessable(f"the {what} is corrupt ({error}); re-save it as PNG or JPEG") from None


#: zlib level of the stored uploads. They are written while the person waits for the first picture
#: and live only until the retention ends: at level 1 a 2048 px copy of a phone photo encodes in
#: 0.22 s instead of 1.39 s at Pillow's default (6), for a file 9 % larger
#: (BENCHMARKS.md#studio-latency).
UPLOAD_PNG_LEVEL = 1


def clean_png(image: Image.Image, *, long_side: int) -> bytes:
    """A PNG re-created from the pixels, at most ``long_side`` px on the long side: no metadata at all."""
    if max(image.size) > long_side:
        image = resize_long_side(image, long_side)
    pixels = Image.frombytes("RGB", image.size, image.convert("RGB").tobytes())
    out = io.BytesIO()
    pixels.save(out, format="PNG", compress_level=UPLOAD_PNG_LEVEL)
    return out.getvalue()


def _megabytes(count: int) -> str:
    return f"{count / (1024 * 1024):g} MB"


def _megapixels(count: int) -> str:
    return f"{count / 1_000_000:g} megapixels"
