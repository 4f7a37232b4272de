"""Reading images safely, resizing them, moving them to and from tensors, and writing results.

Every decoding problem becomes an :class:`InputImageError` with one line saying what to do, so
callers never see a raw Pillow traceback. Tensors are float32 RGB in [0, 1] with shape (1, 3, H, W).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from pathlib import Path
from typing import Any, Union

import numpy as np
import torch
from PIL import Image, ImageCms, ImageOps, PngImagePlugin

from facestyle.errors import InputImageError, OutputError
from facestyle.files import atomic_output, check_writable_folder

ImageSource = Union[str, os.PathLike, Image.Image, bytes]

#: Refuse anything larger before decoding it: 100 megapixels is a 10,000 × 10,000 photo.
MAX_PIXELS = 100_000_000
#: Smaller than this on either side leaves nothing for VGG's five pooling stages to see.
MIN_SIDE = 16
#: A reduction by 2 × this factor or more first shrinks by a whole factor (Pillow's ``reduce``, a
#: box filter), then resamples with Lanczos from at least this many times the target size. Pillow
#: documents the result at 3 as indistinguishable from Lanczos all the way in most cases: a
#: 12-megapixel photo shrunk to 512 px this way is at most 2–3 grey levels from Lanczos all the way
#: (BENCHMARKS.md#large-photos). A photo under 6 times the target size is resized exactly as without.
REDUCING_GAP = 3.0
#: Extensions an output may have; the format follows the extension.
OUTPUT_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


def load_image(source: ImageSource, *, what: str = "image", long_side: int | None = None) -> Image.Image:
    """Open ``source`` (a path, raw bytes or a PIL image) and return an sRGB ``RGB`` PIL image.

    Honours EXIF orientation, converts ICC-tagged images to sRGB, flattens transparency onto
    white, and maps grayscale, palette, CMYK and 16-bit images to 8-bit RGB.

    Args:
        long_side: the long side the caller will shrink the image to, if it knows: a JPEG over
            2 × :data:`REDUCING_GAP` times as long is decoded at 1/2, 1/4 or 1/8 scale (libjpeg's
            scaled decoding), never under :data:`REDUCING_GAP` times ``long_side``, the margin
            :func:`resize_long_side` keeps too, and only at a scale whose image resizes to the
            same size at ``long_side`` as the whole one (BENCHMARKS.md#large-photos).

    Raises:
        InputImageError: missing, empty, truncated, non-image, too small or too large input.
    """
    if isinstance(source, Image.Image):
        image = source
        label = what
    else:
        image, label = _open(source, what, long_side)
    _check_size(image.size, label)
    try:
        image = ImageOps.exif_transpose(image)
        image = _to_srgb(image)
        image = _to_rgb(image)
        image.load()
    except (OSError, SyntaxError, ValueError) as error:
        raise InputImageError(f"{label} could not be decoded ({error}); re-save it as PNG or JPEG") from None
    return image


def _open(source: ImageSource, what: str, long_side: int | None = None) -> tuple[Image.Image, str]:
    if isinstance(source, bytes):
        label = what
        if not source:
            raise InputImageError(f"{label} is empty (0 bytes); upload a PNG or JPEG photo")
        stream: Any = io.BytesIO(source)
    else:
        path = Path(source)
        label = f"{what} '{path}'"
        if not path.exists():
            raise InputImageError(f"{label} does not exist; check the path")
        if path.is_dir():
            raise InputImageError(f"{label} is a directory; give the path of an image file")
        if path.stat().st_size == 0:
            raise InputImageError(f"{label} is empty (0 bytes); give a PNG or JPEG photo")
        stream = path
    try:
        with warnings.catch_warnings():
            # Opening reads only the header; the MAX_PIXELS check below decides, not Pillow's warning.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(stream)
    except Image.DecompressionBombError:
        raise InputImageError(
            f"{label} has too many pixels (over {MAX_PIXELS // 1_000_000} megapixels); downscale it first"
        ) from None
    except Image.UnidentifiedImageError:
        raise InputImageError(f"{label} is not an image Pillow can read; give a PNG or JPEG file") from None
    except (OSError, ValueError) as error:
        # ValueError: Pillow refuses a compressed metadata chunk that inflates past its limit (a bomb).
        raise InputImageError(f"{label} is truncated or corrupt ({error}); re-export the image") from None
    try:
        _check_size(image.size, label)
        # MPO: a JPEG with more pictures after the first, as many phones write them.
        if long_side is not None and image.format in ("JPEG", "MPO"):
            _draft(image, long_side)
        # Decode now so a truncated file fails here, not halfway through a run.
        image.load()
    except OSError as error:
        image.close()
        raise InputImageError(f"{label} is truncated or corrupt ({error}); re-export the image") from None
    except InputImageError:
        image.close()
        raise
    if getattr(image, "n_frames", 1) > 1:
        # A file of several pictures (a phone's MPO, an animated GIF, a multi-page TIFF) stays open
        # for the others: keep the first picture's pixels and close the file.
        first = image.copy()
        image.close()
        return first, label
    return image, label


def _draft(image: Image.Image, long_side: int) -> None:
    """Ask the JPEG decoder for the smallest scale (1/2, 1/4, 1/8) that keeps ``REDUCING_GAP ×
    long_side`` and shrinks to the same size at ``long_side`` as the whole image does."""
    width, height = image.size
    wanted = size_at_long_side(image.size, long_side)
    for factor in (8, 4, 2):
        # libjpeg decodes 1/factor scale to the sides rounded up.
        scaled = (-(-width // factor), -(-height // factor))
        keeps = max(scaled) >= REDUCING_GAP * long_side and min(scaled) >= MIN_SIDE
        if keeps and size_at_long_side(scaled, long_side) == wanted:
            # Pillow takes the largest scale whose result is at least the size asked for.
            image.draft(None, (width // factor, height // factor))
            return


def _check_size(size: tuple[int, int], label: str) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise InputImageError(
            f"{label} is {width}x{height} pixels, over the {MAX_PIXELS // 1_000_000}-megapixel limit; "
            "downscale it first"
        )
    if min(width, height) < MIN_SIDE:
        raise InputImageError(
            f"{label} is only {width}x{height} pixels; give an image at least {MIN_SIDE} pixels on each side"
        )


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert an ICC-tagged image to sRGB so colours mean the same for every input."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except (OSError, ImageCms.PyCMSError):
        return image  # A broken profile is ignored rather than refusing the photo.
    output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
    try:
        converted = ImageCms.profileToProfile(
            image, source_profile, ImageCms.createProfile("sRGB"), outputMode=output_mode
        )
    except ImageCms.PyCMSError:
        return image
    converted.info.pop("icc_profile", None)
    return converted


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        # Pillow's own convert("RGB") clips 16-bit values at 255; scale by the real range instead.
        array = np.asarray(image, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or array.max() > 255 else 255.0
        if mode == "F":
            top = max(float(array.max()), 1.0)
        gray = np.clip(array / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return Image.fromarray(gray, "L").convert("RGB")
    if mode == "P":
        image = image.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if mode != "RGB":
        return image.convert("RGB")
    return image


def size_at_long_side(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """(width, height) of an image of ``size`` resized to ``long_side`` on its longer side."""
    width, height = size
    scale = long_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def resize_long_side(image: Image.Image, long_side: int) -> Image.Image:
    """Resize so the longer side is ``long_side`` pixels, keeping the aspect ratio (never squashing)."""
    new_size = size_at_long_side(image.size, long_side)
    if new_size == image.size:
        return image
    return image.resize(new_size, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)


def resize_to(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resize to an exact (width, height), used to align a result with its content photo."""
    if image.size == size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS)


def pixel_digest(image: Image.Image) -> str:
    """SHA-256 (hex) of an image's mode, size and pixels: the same picture, however it was named or
    stored, has the same digest."""
    digest = hashlib.sha256(f"{image.mode}:{image.size[0]}x{image.size[1]}:".encode())
    digest.update(image.tobytes())
    return digest.hexdigest()


def to_tensor(image: Image.Image) -> torch.Tensor:
    """PIL RGB image → float32 tensor (1, 3, H, W) in [0, 1]."""
    array = np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0
    return torch.from_numpy(array).permute(2, 0, 1).unsqueeze(0).contiguous()


def to_pil(tensor: torch.Tensor) -> Image.Image:
    """Tensor (1, 3, H, W) or (3, H, W) in [0, 1] → PIL RGB image (values outside are clipped)."""
    if tensor.dim() == 4:
        tensor = tensor[0]
    array = tensor.detach().float().clamp(0, 1).mul(255).round().byte().permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(array, "RGB")


def check_output_path(path: str | os.PathLike) -> Path:
    """Fail early, before any work, if ``path`` cannot take an image result.

    Raises:
        OutputError: unknown extension, missing or unwritable folder, or a directory in the way.
    """
    out = Path(path)
    if out.suffix.lower() not in OUTPUT_FORMATS:
        raise OutputError(f"output '{out}' must end in .png, .jpg or .jpeg")
    if out.is_dir():
        raise OutputError(f"output '{out}' is a directory; give a file name such as portrait.png")
    check_writable_folder(out.parent, what=f"output '{out}'")
    if out.exists() and not os.access(out, os.W_OK):
        raise OutputError(f"output '{out}' exists and is not writable; choose another output path")
    return out


def save_image(image: Image.Image, path: str | os.PathLike, *, metadata: dict | None = None) -> Path:
    """Write ``image`` atomically (temp file + rename) to ``path``, format by extension.

    Only facestyle's own settings are embedded (PNG text chunk ``facestyle`` or a JPEG comment);
    no EXIF or GPS from any input is ever copied, because the image is re-created from pixels.
    """
    out = check_output_path(path)
    fmt = OUTPUT_FORMATS[out.suffix.lower()]
    clean = Image.frombytes("RGB", image.size, image.convert("RGB").tobytes())
    text = json.dumps(metadata, sort_keys=True) if metadata else None
    kwargs: dict[str, Any] = {}
    if fmt == "PNG":
        if text:
            info = PngImagePlugin.PngInfo()
            info.add_text("facestyle", text)
            kwargs["pnginfo"] = info
    else:
        kwargs.update(quality=95, subsampling=0)
        if text:
            kwargs["comment"] = text.encode("utf-8")
    try:
        with atomic_output(out) as temp_name:
            clean.save(temp_name, format=fmt, **kwargs)
    except OSError as error:
        raise OutputError(f"could not write '{out}' ({error.strerror or error})") from None
    return out


def read_metadata(path: str | os.PathLike) -> dict | None:
    """Return the settings facestyle embedded in an output it wrote, or None."""
    with Image.open(path) as image:
        text = image.info.get("facestyle")
        if text is None and "comment" in image.info:
            comment = image.info["comment"]
            text = comment.decode("utf-8", "replace") if isinstance(comment, bytes) else comment
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None
