"""Pictures: decoded with Pillow under a pixel cap, stripped of every metadata (EXIF and its GPS position, XMP,
ICC, comments) by drawing the pixels into a new image, re-encoded, and a thumbnail made. Only the re-encoded
bytes are ever served, so whatever else the upload held (a polyglot's script, a trailing archive) is gone."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import UploadError

MAX_PIXELS = 40_000_000  # a picture's width x height, checked before decoding (a 10 KB PNG can claim 50000²)
MAX_SIDE = 20_000
THUMB_SIDE = 320  # a thumbnail fits in 320 x 320
JPEG_QUALITY = 85


@dataclass(frozen=True, slots=True)
class Picture:
    """A re-encoded picture: its type, size and dimensions, and its thumbnail's."""

    mime: str
    extension: str
    size: int
    width: int
    height: int
    thumb_size: int
    thumb_width: int
    thumb_height: int


def _refuse(message: str) -> UploadError:
    return UploadError(422, "bad_image", message)


def _open(path: Path, expected: str) -> Image.Image:
    """Open without decoding: the format must be the one the content's magic number said."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path, formats=[expected.upper()])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadError(413, "too_many_pixels", f"the picture has more than {MAX_PIXELS} pixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _refuse("the picture cannot be read (damaged, truncated or not what it claims to be)") from None
    width, height = image.size
    if width < 1 or height < 1 or width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        image.close()
        raise UploadError(413, "too_many_pixels",
                          f"the picture is {width} x {height}: at most {MAX_PIXELS} pixels, {MAX_SIDE} on a side")
    return image


def _decoded(image: Image.Image) -> Image.Image:
    """The first frame's pixels, upright (EXIF orientation applied), in RGB or RGBA, with no metadata."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
            upright = ImageOps.exif_transpose(image) or image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadError(413, "too_many_pixels", f"the picture has more than {MAX_PIXELS} pixels") from None
    except (OSError, ValueError, SyntaxError, EOFError):
        raise _refuse("the picture cannot be decoded (damaged or truncated)") from None
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
    mode = "RGBA" if has_alpha else "RGB"
    converted = upright.convert(mode)
    clean = Image.new(mode, converted.size)  # a new image: no info, no EXIF, no ICC, no text chunks
    clean.paste(converted)
    return clean


def _save(image: Image.Image, path: Path, fmt: str) -> None:
    if fmt == "JPEG":
        image.save(path, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        image.save(path, "PNG", optimize=False)


def reencode(source: Path, expected: str, out: Path, thumb: Path) -> Picture:
    """Decode ``source`` (whose content said Pillow format ``expected``), write the clean picture to ``out``
    and its thumbnail to ``thumb``. JPEG stays JPEG; PNG, GIF (first frame) and WebP become PNG. Raises
    UploadError for a damaged, truncated or oversized picture."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with _open(source, expected) as image:
        clean = _decoded(image)
    fmt = "JPEG" if clean.mode == "RGB" and expected == "jpeg" else "PNG"
    _save(clean, out, fmt)
    small = clean.copy()
    small.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    _save(small, thumb, fmt)
    return Picture(
        mime="image/jpeg" if fmt == "JPEG" else "image/png",
        extension=".jpg" if fmt == "JPEG" else ".png",
        size=out.stat().st_size,
        width=clean.width,
        height=clean.height,
        thumb_size=thumb.stat().st_size,
        thumb_width=small.width,
        thumb_height=small.height,
    )
