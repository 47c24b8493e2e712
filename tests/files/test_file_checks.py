"""The upload checks without a server: type by content, names, per-site policy, pictures re-encoded without
metadata, and the hostile corpus refused or neutralised."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from server.files.errors import UploadError
from server.files.images import MAX_PIXELS, THUMB_SIDE, reencode
from server.files.names import clean_name, content_disposition
from server.files.policy import MIB, FilePolicy, site_policy
from server.files.sniff import sniff

from . import hostile


@pytest.mark.parametrize(
    ("data", "mime", "raster", "markup"),
    [
        (hostile.png(), "image/png", "png", False),
        (hostile.jpeg_with_gps(), "image/jpeg", "jpeg", False),
        (hostile.gif_html_polyglot(), "image/gif", "gif", False),
        (hostile.SVG_SCRIPT, "image/svg+xml", None, True),
        (hostile.HTML_SCRIPT, "text/html", None, True),
        (b"  \n<html><script>x</script>", "text/html", None, True),
        (b"%PDF-1.7\n" + b"0" * 100, "application/pdf", None, False),
        (b"plain words, caf\xc3\xa9\n", "text/plain", None, False),
        (bytes(range(256)) * 4, "application/octet-stream", None, False),
    ],
)
def test_type_comes_from_the_content(data: bytes, mime: str, raster: str | None, markup: bool) -> None:
    found = sniff(data[:8192])
    assert (found.mime, found.raster, found.markup) == (mime, raster, markup)


def test_names_are_plain_and_dispositions_encoded() -> None:
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("C:\\Users\\me\\cv.pdf") == "cv.pdf"
    assert clean_name('a"b<c>\x00.txt') == "abc.txt"
    assert clean_name("...") == "file"
    assert clean_name("holiday.gif", ".png") == "holiday.png"
    assert len(clean_name("x" * 1000 + ".png", ".png")) == 255
    header = content_disposition("attachment", 'naïve "quote";.txt')
    assert header.startswith('attachment; filename="na_ve _quote__.txt"; filename*=UTF-8\'\'na%C3%AFve%20%22quote')


def test_site_policy_defaults_and_caps() -> None:
    assert site_policy(None, 25 * MIB) == FilePolicy("all", 10 * MIB)
    assert site_policy({"files": "images", "max_file_mb": 3}, 25 * MIB) == FilePolicy("images", 3 * MIB)
    assert site_policy({"max_file_mb": 500}, 25 * MIB).max_bytes == 25 * MIB
    assert site_policy({"files": "everything", "max_file_mb": True}, 25 * MIB) == FilePolicy("all", 10 * MIB)
    assert FilePolicy("images").allows("image") and not FilePolicy("images").allows("file")
    assert not FilePolicy("off").allows("image")


def run(tmp_path: Path, data: bytes, fmt: str):
    source = tmp_path / "in"
    source.write_bytes(data)
    return reencode(source, fmt, tmp_path / "out", tmp_path / "thumb")


def test_exif_gps_is_gone_and_pixels_stay(tmp_path: Path) -> None:
    original = hostile.jpeg_with_gps((800, 600))
    assert b"SpyCam" in original and Image.open(io.BytesIO(original)).getexif().get_ifd(hostile.GPS_IFD)
    picture = run(tmp_path, original, "jpeg")
    out = (tmp_path / "out").read_bytes()
    assert picture.mime == "image/jpeg" and (picture.width, picture.height) == (800, 600)
    with Image.open(io.BytesIO(out)) as clean:
        assert not clean.getexif() and "exif" not in clean.info and "icc_profile" not in clean.info
        assert clean.getpixel((10, 10))[0] > 150  # still the red picture
    assert b"SpyCam" not in out and b"Exif" not in out
    with Image.open(tmp_path / "thumb") as thumb:
        assert max(thumb.size) == THUMB_SIDE and (picture.thumb_width, picture.thumb_height) == thumb.size


def test_polyglots_lose_their_payload(tmp_path: Path) -> None:
    for data, fmt in ((hostile.gif_html_polyglot(), "gif"), (hostile.jpeg_zip_polyglot(), "jpeg")):
        picture = run(tmp_path, data, fmt)
        out = (tmp_path / "out").read_bytes()
        assert b"<script" not in out and b"PK\x03\x04" not in out and b"<html" not in out
        assert picture.mime in ("image/png", "image/jpeg")


def test_transparency_is_kept_as_png(tmp_path: Path) -> None:
    picture = run(tmp_path, hostile.png((40, 20), alpha=True), "png")
    with Image.open(tmp_path / "out") as clean:
        assert picture.mime == "image/png" and clean.mode == "RGBA" and clean.size == (40, 20)


def test_pixel_bombs_are_refused_before_decoding(tmp_path: Path) -> None:
    bomb = hostile.pixel_bomb_png()
    assert len(bomb) < 200_000 and MAX_PIXELS < 30_000 * 30_000
    with pytest.raises(UploadError) as refused:
        run(tmp_path, bomb, "png")
    assert refused.value.status == 413 and refused.value.code == "too_many_pixels"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("data", "fmt"),
    [(hostile.truncated_png(), "png"), (hostile.HTML_AS_PNG, "png"), (hostile.png(), "jpeg"), (b"GIF89a", "gif")],
)
def test_broken_or_lying_pictures_get_a_clear_error(tmp_path: Path, data: bytes, fmt: str) -> None:
    with pytest.raises(UploadError) as refused:
        run(tmp_path, data, fmt)
    assert refused.value.status == 422 and refused.value.code == "bad_image" and refused.value.message
