"""Sniffing uploads: what is not an image, is broken, or is too big never gets decoded into memory."""

from __future__ import annotations

import asyncio
import io
import struct
import zipfile
import zlib

import pytest
from PIL import Image

from facestyle.web.errors import TooLarge, Unprocessable, UnsupportedMedia
from facestyle.web.uploads import (
    check_declared_type,
    clean_png,
    read_limited,
    sniff_image,
)
from tests.web.conftest import encode, jpeg_with_gps

MAX_PIXELS = 50_000_000


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(side: int = 10_000) -> bytes:
    """A real decompression bomb: a ``side``×``side`` grey PNG of zeros, ~100 KB for 100 megapixels."""
    compressor = zlib.compressobj(9)
    row = b"\0" * (side + 1)  # filter byte + pixels
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def zip_bomb() -> bytes:
    """A zip holding 20 MB of zeros in a few kilobytes (named like a photo by its sender)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("photo.png", b"\0" * 20_000_000)
    return out.getvalue()


def text_chunk_bomb(face_bytes: bytes) -> bytes:
    """A valid small PNG with a zTXt chunk that inflates to 50 MB."""
    bomb = png_chunk(b"zTXt", b"k\x00\x00" + zlib.compress(b"\0" * 50_000_000, 9))
    return face_bytes[:33] + bomb + face_bytes[33:]


def test_a_real_photo_is_decoded_upright(face_bytes):
    image = sniff_image(face_bytes, what="photo", max_pixels=MAX_PIXELS)
    assert image.mode == "RGB" and image.size == (72, 96)
    rotated = sniff_image(jpeg_with_gps(), what="photo", max_pixels=MAX_PIXELS)
    assert rotated.size == (40, 48)


def test_not_an_image_is_415():
    with pytest.raises(UnsupportedMedia, match="is not an image"):
        sniff_image(b"hello, this is a text file and not a photo\n" * 10, what="photo", max_pixels=MAX_PIXELS)
    with pytest.raises(UnsupportedMedia, match="is not an image"):
        sniff_image(zip_bomb(), what="photo", max_pixels=MAX_PIXELS)


def test_an_image_format_the_studio_does_not_take_is_415(face_bytes):
    icon = encode(Image.open(io.BytesIO(face_bytes)).convert("RGB").resize((32, 32)), "ICO")
    with pytest.raises(UnsupportedMedia, match="is a ICO file"):
        sniff_image(icon, what="photo", max_pixels=MAX_PIXELS)


def test_truncated_image_is_422(face_bytes):
    with pytest.raises(Unprocessable, match="truncated or corrupt"):
        sniff_image(face_bytes[: len(face_bytes) // 2], what="photo", max_pixels=MAX_PIXELS)


def test_decompression_bomb_is_refused_from_its_header():
    bomb = png_bomb()
    assert len(bomb) < 200_000  # 100 megapixels in about 100 KB
    with pytest.raises(TooLarge, match="10000x10000 pixels, over the studio's 50 megapixels limit"):
        sniff_image(bomb, what="photo", max_pixels=MAX_PIXELS)


def test_over_the_pixel_limit_is_413(face_bytes):
    with pytest.raises(TooLarge, match="72x96 pixels"):
        sniff_image(face_bytes, what="photo", max_pixels=1000)


def test_a_bomb_in_a_metadata_chunk_is_422_not_a_crash(face_bytes):
    with pytest.raises(Unprocessable, match="corrupt"):
        sniff_image(text_chunk_bomb(face_bytes), what="photo", max_pixels=MAX_PIXELS)


def test_too_small_is_422(face_bytes):
    tiny = encode(Image.new("RGB", (8, 8)), "PNG")
    with pytest.raises(Unprocessable, match="at least 16 pixels"):
        sniff_image(tiny, what="photo", max_pixels=MAX_PIXELS)


@pytest.mark.parametrize("declared", [None, "", "image/png", "image/jpeg; q=1", "application/octet-stream"])
def test_declared_types_that_may_be_images_are_sniffed(declared):
    check_declared_type(declared, what="photo")


@pytest.mark.parametrize("declared", ["text/plain", "application/zip", "application/json", "video/mp4"])
def test_declared_types_that_are_not_images_are_415(declared):
    with pytest.raises(UnsupportedMedia, match=f"sent as '{declared}'"):
        check_declared_type(declared, what="photo")


class FakeUpload:
    def __init__(self, data: bytes):
        self.stream = io.BytesIO(data)
        self.reads = 0

    async def read(self, size: int) -> bytes:
        self.reads += 1
        return self.stream.read(size)


def test_read_limited_stops_reading_at_the_limit():
    upload = FakeUpload(b"x" * 1_000_000)
    with pytest.raises(TooLarge, match="larger than 0.25 MB"):
        asyncio.run(read_limited(upload, limit=262_144, what="photo"))
    assert upload.reads <= 262_144 // 65_536 + 1
    assert asyncio.run(read_limited(FakeUpload(b"abc"), limit=10, what="photo")) == b"abc"
    with pytest.raises(Unprocessable, match="empty"):
        asyncio.run(read_limited(FakeUpload(b""), limit=10, what="photo"))


def test_clean_png_keeps_pixels_only_and_caps_the_size():
    image = sniff_image(jpeg_with_gps(), what="photo", max_pixels=MAX_PIXELS)
    data = clean_png(image, long_side=24)
    with Image.open(io.BytesIO(data)) as kept:
        assert kept.format == "PNG" and kept.size == (20, 24)
        assert not kept.getexif() and not kept.info.get("exif") and "icc_profile" not in kept.info
