"""parley.files (pure): sizes as people read them, thumbnail boxes, the site's limits before an upload, and the
reasons shown for the server's refusals; and the protocol's file message rules."""

from __future__ import annotations

import pytest
from parley import files as F
from parley import protocol as P


def test_human_sizes() -> None:
    assert [F.human_size(n) for n in (0, 999, 1536, 10 * 1024, 5 * 1024 * 1024 + 1)] == [
        "0 B", "999 B", "1.5 KB", "10 KB", "5 MB"]
    assert F.human_size(1536, "fr") == "1,5 Ko"


def test_thumb_boxes_fit_and_keep_the_shape() -> None:
    assert F.thumb_box({"tw": 320, "th": 213}) == (240, 159)
    assert F.thumb_box({"tw": 100, "th": 320}) == (75, 240)
    assert F.thumb_box({"tw": 40, "th": 30}) == (40, 30)
    assert F.is_picture({"image": True, "tw": 1, "th": 1}) and not F.is_picture({"name": "a.svg"})


def test_refusals_before_uploading() -> None:
    policy = {"files": "all", "max_bytes": 1000}
    assert F.refusal("a.png", 10, "image/png", policy) is None
    assert F.refusal("a.bin", 1001, "", policy) == ("file_too_big", {"name": "a.bin", "max": 1000})
    assert F.refusal("a.bin", 0, "", policy) == ("file_empty", {"name": "a.bin"})
    assert F.refusal("a.pdf", 10, "application/pdf", {"files": "images"}) == ("files_images_only", {})
    assert F.refusal("a.svg", 10, "image/svg+xml", {"files": "images"}) == ("files_images_only", {})
    assert F.refusal("a.png", 10, "image/png", {"files": "off"}) == ("files_off", {})
    assert F.upload_error_key("too_many_pixels") == "file_too_many_pixels"
    assert F.upload_error_key("whatever") == "file_failed"


def test_file_messages_in_the_protocol() -> None:
    frame = P.validate({"t": "send", "cid": "c1", "conv": 3, "kind": "file", "data": {"id": 9, "x": 1},
                        "text": "dropped"}, P.CLIENT_FRAMES)
    assert frame["data"] == {"id": 9} and "text" not in frame
    for data in ({}, {"id": 0}, {"id": "9"}, {"id": 9, "name": ""}):
        with pytest.raises(P.ProtocolError):
            P.validate({"t": "send", "cid": "c1", "conv": 3, "kind": "file", "data": data}, P.CLIENT_FRAMES)
    msg = P.validate({"t": "msg", "id": 1, "conv": 3, "pos": 1, "ts": 5, "from": 2, "kind": "file",
                      "data": {"id": 9, "name": "a\nb.png", "size": 10, "type": "image/png", "image": True}},
                     P.SERVER_FRAMES)
    assert msg["data"]["name"] == "a b.png"  # single line
    with pytest.raises(P.ProtocolError):
        P.validate({"t": "msg", "id": 1, "conv": 3, "pos": 1, "ts": 5, "kind": "file", "data": {"id": 9}},
                   P.SERVER_FRAMES)
    with pytest.raises(P.ProtocolError):  # a share's data is still checked as a link card
        P.validate({"t": "send", "cid": "c2", "conv": 3, "kind": "share", "data": {"url": "javascript:x"}},
                   P.CLIENT_FRAMES)
