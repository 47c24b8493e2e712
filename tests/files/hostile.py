"""A hostile-upload corpus, generated (never checked in): pictures with EXIF GPS, decompression bombs (pixel
and zip), polyglots, SVG and HTML with scripts, truncated and lying files."""

from __future__ import annotations

import io
import zipfile

from PIL import Image

GPS_IFD = 0x8825
SCRIPT = b"<script>alert(document.domain)</script>"


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG whose EXIF holds a GPS position, a camera maker and an orientation."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0112] = 1  # Orientation
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(size: tuple[int, int] = (32, 32), alpha: bool = False) -> bytes:
    image = Image.new("RGBA" if alpha else "RGB", size, (10, 120, 200, 128) if alpha else (10, 120, 200))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def pixel_bomb_png(side: int = 30_000) -> bytes:
    """A small PNG that claims side x side pixels (a 1-bit image compresses to almost nothing)."""
    image = Image.new("1", (side, side), 0)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def zip_bomb(inflated: int = 200 * 1024 * 1024) -> bytes:
    """A zip whose single member inflates to ``inflated`` bytes of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("zeros.bin", "w") as member:
        block = b"\0" * (1 << 20)
        for _ in range(inflated // len(block)):
            member.write(block)
    return out.getvalue()


def gif_html_polyglot() -> bytes:
    """A valid GIF whose comment and trailer carry HTML with a script (GIFAR-style)."""
    image = Image.new("P", (8, 8), 1)
    out = io.BytesIO()
    image.save(out, "GIF", comment=b"<html><body>" + SCRIPT)
    return out.getvalue() + b"<html>" + SCRIPT + b"</html>"


def jpeg_zip_polyglot() -> bytes:
    """A JPEG with a zip archive appended (opens as either)."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("index.html", b"<html>" + SCRIPT)
    return jpeg_with_gps() + archive.getvalue()


SVG_SCRIPT = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
              + SCRIPT + b"</svg>")
HTML_SCRIPT = b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>"
HTML_AS_PNG = HTML_SCRIPT  # sent with name "cat.png" and Content-Type image/png: a lying name and type


def truncated_png() -> bytes:
    """A PNG cut in the middle of its pixel data."""
    data = png((256, 256))
    return data[: len(data) // 2]
