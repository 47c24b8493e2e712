"""Uploads and downloads over real HTTP on loopback (the real app under uvicorn): members only, safe headers,
the hostile corpus served harmlessly or refused with nothing kept, site limits, truncated and lying uploads,
sending a file over the relay, deletion and the sweeper. Folder blobs on SQLite; PostgreSQL blobs on
PostgreSQL."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import text

from server.files.folder import FolderBlobs
from server.store import tables
from tests.relay.harness import Relay, World, join, running

from . import hostile

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings for each kind of files store: a folder (on SQLite) or PostgreSQL (database and blobs)."""
    if request.param == "sqlite":
        return {}
    url = request.getfixturevalue("postgres_url")
    return {"database_url": url, "files_url": url}


@pytest.fixture
async def live(backend: dict[str, Any], tmp_path: Path, relay_template: Path):
    """The real app on loopback with its files where ``backend`` says."""
    async with running(tmp_path, None if backend else relay_template, **backend) as relay:
        if backend:
            from tests.support.store_data import clear

            await clear(relay.store)
            async with relay.store.transaction() as conn:
                await conn.execute(tables.files.delete())
                await conn.execute(text("DELETE FROM parley_blob_chunks"))
        yield relay


@pytest.fixture
async def world(live: Relay) -> World:
    return await World(live.store).build()


@pytest.fixture
async def http(live: Relay):
    async with httpx.AsyncClient(base_url=live.http + "/api/v1", timeout=20) as client:
        yield client


async def auth(world: World, user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {await world.token(user)}"}


async def upload(http: httpx.AsyncClient, headers: dict[str, str], conv: int, data: bytes, name: str,
                 content_type: str = "application/octet-stream", size: int | None = None) -> httpx.Response:
    params: dict[str, Any] = {"name": name, "size": len(data) if size is None else size}
    return await http.post(f"/conversations/{conv}/files", params=params, content=data,
                           headers={**headers, "Content-Type": content_type})


async def file_rows(live: Relay) -> int:
    async with live.store.engine.connect() as conn:
        return len((await conn.execute(tables.files.select())).all())


def assert_safe(response: httpx.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "sandbox; default-src 'none'"
    assert response.headers["cache-control"] == "private, no-store"


async def test_a_picture_is_stripped_thumbnailed_and_served_to_members_only(live, world, http) -> None:
    alice, bob, carol = [await auth(world, u) for u in (world.alice, world.bob, world.carol)]
    original = hostile.jpeg_with_gps((900, 600))
    response = await upload(http, alice, world.conv, original, "beach.jpeg", "text/plain")
    assert response.status_code == 201, response.text
    info = response.json()
    assert (info["type"], info["image"], info["w"], info["h"], info["name"]) == ("image/jpeg", True, 900, 600,
                                                                               "beach.jpg")
    assert (info["tw"], info["th"]) == (320, 213)
    full = await http.get(f"/files/{info['id']}", headers=bob)
    assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
    assert_safe(full)
    assert full.headers["content-disposition"].startswith('inline; filename="beach.jpg"')
    assert len(full.content) == info["size"] and b"SpyCam" not in full.content
    with Image.open(io.BytesIO(full.content)) as image:
        assert image.size == (900, 600) and not image.getexif()
    thumb = await http.get(f"/files/{info['id']}/thumb", headers=bob)
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.size == (320, 213)
    assert_safe(thumb)
    for path in (f"/files/{info['id']}", f"/files/{info['id']}/thumb"):
        denied = await http.get(path, headers=carol)
        assert denied.status_code == 404 and denied.json()["error"]["code"] == "not_found"
        assert (await http.get(path)).status_code == 401


@pytest.mark.parametrize(
    ("data", "name", "mime"),
    [
        (hostile.SVG_SCRIPT, "logo.svg", "image/svg+xml"),
        (hostile.HTML_AS_PNG, "cat.png", "text/html"),
        (hostile.zip_bomb(), "bomb.zip", "application/zip"),
    ],
)
async def test_markup_and_archives_are_downloads_never_documents(live, world, http, data, name, mime) -> None:
    alice = await auth(world, world.alice)
    response = await upload(http, alice, world.conv, data, name, "image/png")
    assert response.status_code == 201, response.text
    info = response.json()
    assert info["type"] == mime and not info["image"] and info["size"] == len(data)  # bytes kept as sent
    served = await http.get(f"/files/{info['id']}", headers=await auth(world, world.bob))
    assert served.headers["content-type"] == "application/octet-stream"
    assert served.headers["content-disposition"].startswith("attachment;")
    assert_safe(served)
    assert served.content == data
    assert (await http.get(f"/files/{info['id']}/thumb", headers=alice)).status_code == 404


@pytest.mark.parametrize(
    ("data", "size", "status", "code"),
    [
        (hostile.pixel_bomb_png(), None, 413, "too_many_pixels"),
        (hostile.truncated_png(), None, 422, "bad_image"),
        (b"", None, 422, "empty"),
        (b"x" * 100, 50, 400, "size_mismatch"),
        (b"x" * 100, 11 * 1024 * 1024, 413, "too_large"),
    ],
)
async def test_bad_uploads_get_clear_errors_and_change_nothing(live, world, http, data, size, status, code) -> None:
    response = await upload(http, await auth(world, world.alice), world.conv, data, "x.png", size=size)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]
    assert await file_rows(live) == 0
    assert not any(live.settings.data_dir.joinpath("spool").glob("*"))


async def test_a_truncated_upload_keeps_nothing(live, world) -> None:
    token = await world.token(world.alice)
    _reader, writer = await asyncio.open_connection("127.0.0.1", live.port)
    body = b"y" * 50_000
    writer.write((f"POST /api/v1/conversations/{world.conv}/files?name=a.bin&size=100000 HTTP/1.1\r\n"
                  f"Host: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Length: 100000\r\n\r\n").encode()
                 + body)
    await writer.drain()
    spool = live.settings.data_dir.joinpath("spool")
    for _ in range(40):  # the first half is streamed to the spool while the rest is awaited
        if any(spool.glob("*")):
            break
        await asyncio.sleep(0.05)
    assert any(spool.glob("*"))
    writer.close()
    await asyncio.sleep(0.5)
    assert await file_rows(live) == 0
    assert not any(live.settings.data_dir.joinpath("spool").glob("*"))


async def test_site_limits_and_membership(live, world, http) -> None:
    alice = await auth(world, world.alice)
    await live.store.update_site(world.site, settings={"files": "images", "max_file_mb": 1})
    refused = await upload(http, alice, world.conv, b"%PDF-1.4\n" + b"0" * 100, "cv.pdf")
    assert refused.status_code == 415 and refused.json()["error"]["code"] == "images_only"
    assert (await upload(http, alice, world.conv, hostile.png(), "a.png")).status_code == 201
    too_big = await upload(http, alice, world.conv, b"0" * (1024 * 1024 + 1), "a.bin")
    assert too_big.status_code == 413
    await live.store.update_site(world.site, settings={"files": "off"})
    off = await upload(http, alice, world.conv, hostile.png(), "a.png")
    assert off.status_code == 403 and off.json()["error"]["code"] == "files_off"
    await live.store.update_site(world.site, settings={})
    carol = await upload(http, await auth(world, world.carol), world.conv, hostile.png(), "a.png")
    assert carol.status_code == 404  # not a member: the same answer as no such conversation
    assert await file_rows(live) == 1


async def test_sent_over_the_relay_delivered_then_gone_with_its_message(live, world, http) -> None:
    alice_token = await world.token(world.alice)
    alice_http = {"Authorization": f"Bearer {alice_token}"}
    info = (await upload(http, alice_http, world.conv, hostile.png((50, 40)), "dot.png")).json()
    assert await blob_count(live.app.state.files.blobs) == 2
    a = await join(live, alice_token)
    b = await join(live, await world.token(world.bob))
    d = await join(live, await world.token(world.dave))
    await d.send({"t": "send", "cid": "steal", "conv": world.conv, "kind": "file", "data": {"id": info["id"]}})
    assert (await d.expect("error", ref="steal"))["code"] in ("forbidden", "not_found")
    await a.send({"t": "send", "cid": "f1", "conv": world.conv, "kind": "file",
                  "data": {"id": info["id"], "name": "evil.html", "type": "text/html", "size": 1}})
    ack = await a.expect("ack", cid="f1")
    msg = await b.expect("msg", cid="f1")
    assert msg["kind"] == "file" and msg["data"] == {k: info[k] for k in ("id", "name", "size", "type", "image",
                                                                          "w", "h", "tw", "th")}
    await a.send({"t": "send", "cid": "f2", "conv": world.conv, "kind": "file", "data": {"id": info["id"]}})
    assert (await a.expect("error", ref="f2"))["code"] == "bad_field"  # one upload, one message
    page = await http.get(f"/conversations/{world.conv}/messages", headers=alice_http)
    assert page.json()["messages"][0]["data"]["id"] == info["id"]
    assert await live.store.delete_message_files(ack["id"]) == 1
    bob_http = {"Authorization": f"Bearer {await world.token(world.bob)}"}
    assert (await http.get(f"/files/{info['id']}", headers=bob_http)).status_code == 404
    assert await live.app.state.files.sweep() == 1
    assert await file_rows(live) == 0
    assert await blob_count(live.app.state.files.blobs) == 0  # the picture and its thumbnail


async def blob_count(blobs: Any) -> int:
    """How many blobs the store holds (files in the folder, distinct keys in PostgreSQL)."""
    if isinstance(blobs, FolderBlobs):
        return sum(1 for p in blobs.root.rglob("*") if p.is_file())
    async with blobs.engine.connect() as conn:
        return int(await conn.scalar(text("SELECT count(DISTINCT key) FROM parley_blob_chunks")))


async def test_the_api_sends_a_file_message(live, world, http) -> None:
    alice = await auth(world, world.alice)
    info = (await upload(http, alice, world.conv, b"hello, plain text\n", "notes.txt")).json()
    body = {"client_id": "api-1", "kind": "file", "data": {"id": info["id"]}}
    sent = await http.post(f"/conversations/{world.conv}/messages", json=body, headers=alice)
    assert sent.status_code == 201, sent.text
    assert sent.json()["data"] == {"id": info["id"], "name": "notes.txt", "size": 18, "type": "text/plain"}
    again = await http.post(f"/conversations/{world.conv}/messages", json=body, headers=alice)
    assert again.status_code == 200
    other = await http.post(f"/conversations/{world.conv}/messages", json={**body, "client_id": "api-2"},
                            headers=alice)
    assert other.status_code == 409
    bob = await auth(world, world.bob)
    stolen = await http.post(f"/conversations/{world.conv}/messages", json={**body, "client_id": "b"}, headers=bob)
    assert stolen.status_code == 404
    assert (await http.get(f"/files/{info['id']}", headers=bob)).content == b"hello, plain text\n"
