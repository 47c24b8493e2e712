"""The demo's shared screenshot: a picture of the demo host site's front page, drawn with Pillow (no binary
file in the repository), that bob shares in the book club through the real upload path (checked, re-encoded,
thumbnailed) like any visitor's picture."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

from PIL import Image, ImageDraw

SIZE = (960, 600)
NAVY, PAPER, INK, LINE = (31, 45, 74), (251, 250, 247), (34, 34, 34), (214, 208, 196)


def screenshot_png() -> bytes:
    """A 960x600 PNG: the site's header and menu, a headline and the lines of an article."""
    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, SIZE[0], 64), fill=NAVY)
    draw.text((40, 22), "The Daily Lantern", fill=(255, 255, 255), font_size=24)
    for x, word in ((330, "Front page"), (460, "Science"), (570, "Travel")):
        draw.text((x, 26), word, fill=(210, 220, 240), font_size=18)
    draw.text((80, 110), "Keepers of the light", fill=INK, font_size=40)
    for row in range(9):
        width = 780 if row % 3 else 640
        draw.rounded_rectangle((80, 190 + row * 38, 80 + width, 204 + row * 38), radius=6, fill=LINE)
    draw.ellipse((800, 120, 880, 200), outline=(232, 89, 12), width=6)  # a circled detail, as people share
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def as_chunks(data: bytes, size: int = 65536) -> AsyncIterator[bytes]:
    """The bytes as an upload body arrives: in chunks."""
    for start in range(0, len(data), size):
        yield data[start : start + size]
