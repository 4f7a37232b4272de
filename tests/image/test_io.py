"""Reading every kind of input safely, and writing outputs cleanly and atomically."""

import io
import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageCms

from facestyle.errors import InputImageError, OutputError
from facestyle.image.io import (
    check_output_path,
    load_image,
    read_metadata,
    resize_long_side,
    size_at_long_side,
    save_image,
    to_pil,
    to_tensor,
)


def _png_header_only(width, height):
    """A PNG that claims width × height pixels: enough for a decompression-bomb check."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")


def test_missing_file(tmp_path):
    with pytest.raises(InputImageError, match="does not exist"):
        load_image(tmp_path / "nope.jpg")


def test_directory(tmp_path):
    with pytest.raises(InputImageError, match="is a directory"):
        load_image(tmp_path)


def test_empty_file(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(InputImageError, match="empty"):
        load_image(tmp_path / "empty.jpg")


def test_text_named_jpg(tmp_path):
    (tmp_path / "notes.jpg").write_text("hello, not an image")
    with pytest.raises(InputImageError, match="not an image"):
        load_image(tmp_path / "notes.jpg")


def test_truncated_jpeg(tmp_path, gradient_image):
    buffer = io.BytesIO()
    gradient_image.resize((200, 120)).save(buffer, "JPEG")
    (tmp_path / "cut.jpg").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(InputImageError, match="truncated"):
        load_image(tmp_path / "cut.jpg")


def test_png_with_a_metadata_bomb_is_an_input_error():
    """A zTXt chunk inflating to 50 MB: Pillow raises ValueError, which must not escape as a traceback."""
    png = _png_header_only(32, 32)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    bomb = chunk(b"zTXt", b"k\x00\x00" + zlib.compress(b"\0" * 50_000_000, 9))
    with pytest.raises(InputImageError, match="truncated or corrupt"):
        load_image(png[:33] + bomb + png[33:])


def test_one_pixel_image(tmp_path):
    Image.new("RGB", (1, 1)).save(tmp_path / "dot.png")
    with pytest.raises(InputImageError, match="only 1x1 pixels"):
        load_image(tmp_path / "dot.png")


def test_sixty_thousand_squared_is_refused_before_decoding(tmp_path):
    (tmp_path / "huge.png").write_bytes(_png_header_only(60_000, 60_000))
    with pytest.raises(InputImageError, match="megapixel"):
        load_image(tmp_path / "huge.png")


def test_rgba_is_flattened_on_white():
    image = Image.new("RGBA", (20, 20), (255, 0, 0, 0))
    assert load_image(image).getpixel((5, 5)) == (255, 255, 255)


@pytest.mark.parametrize("mode", ["L", "P", "CMYK", "LA", "1"])
def test_odd_modes_become_rgb(mode, gradient_image):
    converted = gradient_image.convert(mode)
    loaded = load_image(converted)
    assert loaded.mode == "RGB" and loaded.size == gradient_image.size


def test_sixteen_bit_png_keeps_its_range(tmp_path):
    array = np.full((20, 20), 65535 // 2, dtype=np.uint16)
    Image.fromarray(array).save(tmp_path / "deep.png")
    loaded = load_image(tmp_path / "deep.png")
    assert loaded.mode == "RGB"
    assert abs(loaded.getpixel((3, 3))[0] - 128) <= 1  # not clipped to white


def test_exif_orientation_is_honoured(tmp_path, gradient_image):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise for display
    gradient_image.save(tmp_path / "rotated.jpg", exif=exif.tobytes(), quality=95)
    loaded = load_image(tmp_path / "rotated.jpg")
    assert loaded.size == (24, 40)


def test_icc_tagged_image_is_converted_to_srgb(tmp_path):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGB", (20, 20), (200, 100, 50)).save(tmp_path / "tagged.png", icc_profile=srgb)
    loaded = load_image(tmp_path / "tagged.png")
    assert "icc_profile" not in loaded.info
    assert all(abs(a - b) <= 2 for a, b in zip(loaded.getpixel((1, 1)), (200, 100, 50)))


def test_resize_keeps_aspect_ratio(gradient_image):
    assert resize_long_side(gradient_image, 80).size == (80, 48)
    assert resize_long_side(gradient_image.transpose(Image.Transpose.ROTATE_90), 80).size == (48, 80)


def test_a_large_reduction_takes_pillows_fast_path_and_stays_close_to_lanczos():
    rng = np.random.default_rng(0)
    rows, cols = np.mgrid[0:1800, 0:2400]
    pattern = (np.sin(cols / 7.0) * np.cos(rows / 11.0) * 80 + 128)[..., None] + rng.normal(0, 20, (1800, 2400, 3))
    large = Image.fromarray(np.clip(pattern, 0, 255).astype(np.uint8), "RGB")
    lanczos = np.asarray(large.resize((384, 288), Image.Resampling.LANCZOS), dtype=np.int16)
    fast = np.asarray(resize_long_side(large, 384), dtype=np.int16)  # 6.25 × smaller: reduced by 2 first
    assert not np.array_equal(fast, lanczos)
    assert np.abs(fast - lanczos).max() <= 4 and np.abs(fast - lanczos).mean() < 0.5
    # Under 6 times the target the resize is Lanczos exactly.
    exact = np.asarray(large.resize((480, 360), Image.Resampling.LANCZOS), dtype=np.int16)
    assert np.array_equal(np.asarray(resize_long_side(large, 480), dtype=np.int16), exact)


def test_a_large_jpeg_for_a_small_run_decodes_at_a_reduced_scale(tmp_path):
    rng = np.random.default_rng(1)
    rows, cols = np.mgrid[0:2304, 0:3072]
    pattern = (np.sin(cols / 5.0) * np.cos(rows / 9.0) * 90 + 128)[..., None] + rng.normal(0, 15, (2304, 3072, 3))
    large = Image.fromarray(np.clip(pattern, 0, 255).astype(np.uint8), "RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: shown rotated a quarter turn clockwise
    large.save(tmp_path / "phone.jpg", quality=92, exif=exif.tobytes())
    large.save(tmp_path / "phone.png")
    whole = load_image(tmp_path / "phone.jpg")
    assert whole.size == (2304, 3072)
    drafted = load_image(tmp_path / "phone.jpg", long_side=256)
    # 1/4 scale: the smallest that keeps 3 × 256 px on the long side, upright like the whole decode.
    assert drafted.size == (576, 768)
    a, b = (np.asarray(resize_long_side(image, 256), dtype=np.int16) for image in (whole, drafted))
    assert a.shape == b.shape and np.abs(a - b).mean() < 1.0 and np.abs(a - b).max() <= 8
    # Only a JPEG decodes scaled, and only when far larger than the run needs.
    assert load_image(tmp_path / "phone.png", long_side=256).size == (3072, 2304)  # no EXIF: as stored
    assert load_image(tmp_path / "phone.jpg", long_side=1024).size == (2304, 3072)


@pytest.mark.parametrize("size", [(3279, 4101), (3001, 2251), (4097, 3073), (2400, 1601)])
@pytest.mark.parametrize("long_side", [200, 256, 333])
def test_a_reduced_decode_gives_the_same_output_size_as_the_whole_photo(tmp_path, size, long_side):
    # libjpeg rounds a scaled side up, which can move the size at long_side by a pixel: such a
    # scale is not used.
    path = tmp_path / "photo.jpg"
    Image.new("RGB", size, (120, 90, 60)).save(path, quality=80)
    assert resize_long_side(load_image(path, long_side=long_side), long_side).size == size_at_long_side(size, long_side)


def test_a_reduced_decode_keeps_a_long_strip_above_the_smallest_side_and_covers_mpo(tmp_path):
    strip = Image.new("RGB", (20000, 100), (30, 60, 90))
    strip.save(tmp_path / "strip.jpg", quality=80)
    # 1/8 would leave 13 px, under MIN_SIDE: the decoder stops at 1/4.
    assert load_image(tmp_path / "strip.jpg", long_side=512).size == (5000, 25)
    # Phones write MPO files (a JPEG with more pictures after it); they decode reduced too.
    photo = Image.new("RGB", (4000, 3000), (200, 150, 100))
    photo.save(tmp_path / "phone.mpo", format="MPO", save_all=True, append_images=[photo.resize((400, 300))])
    with Image.open(tmp_path / "phone.mpo") as opened:
        assert opened.format == "MPO"
    assert load_image(tmp_path / "phone.mpo", long_side=512).size == (2000, 1500)


def test_tensor_round_trip_is_exact(gradient_image):
    tensor = to_tensor(gradient_image)
    assert tensor.shape == (1, 3, 24, 40) and tensor.is_contiguous()
    assert np.array_equal(np.asarray(to_pil(tensor)), np.asarray(gradient_image))


def test_save_embeds_settings_and_no_exif(tmp_path, gradient_image):
    exif = Image.Exif()
    exif[0x8825] = {1: "N"}  # a GPS block on the input must never reach the output
    source = tmp_path / "in.jpg"
    gradient_image.save(source, exif=exif.tobytes())
    for name in ("out.png", "out.jpg"):
        out = save_image(load_image(source), tmp_path / name, metadata={"settings": {"steps": 3}})
        with Image.open(out) as written:
            assert not written.getexif()
        assert read_metadata(out) == {"settings": {"steps": 3}}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jpg", "out.jpg", "out.png"]  # no temp files


@pytest.mark.parametrize(
    "name, message",
    [("out.gif", "must end in"), ("missing/out.png", "does not exist"), (".", "must end in")],
)
def test_bad_output_paths_fail_early(tmp_path, monkeypatch, name, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match=message):
        check_output_path(name)


def test_output_directory_in_the_way(tmp_path):
    (tmp_path / "out.png").mkdir()
    with pytest.raises(OutputError, match="is a directory"):
        check_output_path(tmp_path / "out.png")


def test_outputs_get_the_umask_permissions_not_0600(tmp_path, gradient_image):

    old = os.umask(0o022)
    try:
        out = save_image(gradient_image, tmp_path / "o.png")
    finally:
        os.umask(old)
    assert (out.stat().st_mode & 0o777) == 0o644


