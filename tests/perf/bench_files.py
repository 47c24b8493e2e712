"""Pictures and files: upload throughput and the time to a picture's first thumbnail, beside a plain static-file
serve of the same bytes in the same run (Starlette's StaticFiles on the same uvicorn server), on the folder blob
store (SQLite) and the PostgreSQL blob store; and the server's peak Python memory during an upload of 8 MiB vs
64 MiB (streamed: it must not grow with the file)."""

from __future__ import annotations

import asyncio
import io
import os
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from starlette.staticfiles import StaticFiles

from .report import Table, fmt_ratio, median, ratio

MIB = 1024 * 1024


def photo(width: int = 2400, height: int = 1600) -> bytes:
    """A photo-like JPEG (noise over gradients, so it does not compress to nothing)."""
    image = Image.effect_noise((width, height), 40).convert("RGB")
    overlay = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.blend(image, overlay, 0.5)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


async def chunks(data: bytes, size: int = 256 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def one_backend(overrides: dict[str, Any], runs: int, size_mib: int, log: Callable[[str], None],
                      tmp: Path) -> dict[str, list[float]]:
    from tests.relay.harness import World, running

    static_dir = tmp / "static"
    static_dir.mkdir(exist_ok=True)
    blob = os.urandom(size_mib * MIB)
    picture = photo()
    (static_dir / "blob.bin").write_bytes(blob)
    (static_dir / "photo.jpg").write_bytes(picture)
    results: dict[str, list[float]] = {k: [] for k in ("up", "down", "static", "thumb", "static_photo")}
    async with running(tmp, None, max_upload_mb=128, **overrides) as live:
        live.app.mount("/bench-static", StaticFiles(directory=static_dir))
        world = await World(live.store).build()
        await live.store.update_site(world.site, settings={"max_file_mb": 100})
        headers = {"Authorization": f"Bearer {await world.token(world.alice)}"}
        async with httpx.AsyncClient(base_url=live.http, timeout=120) as http:
            for _ in range(runs):
                started = time.perf_counter()
                response = await http.post(f"/api/v1/conversations/{world.conv}/files",
                                           params={"name": "blob.bin", "size": len(blob)},
                                           content=chunks(blob), headers=headers)
                results["up"].append(len(blob) / MIB / (time.perf_counter() - started))
                file_id = response.json()["id"]
                started = time.perf_counter()
                got = await http.get(f"/api/v1/files/{file_id}", headers=headers)
                results["down"].append(len(got.content) / MIB / (time.perf_counter() - started))
                started = time.perf_counter()
                got = await http.get("/bench-static/blob.bin")
                results["static"].append(len(got.content) / MIB / (time.perf_counter() - started))
                started = time.perf_counter()
                response = await http.post(f"/api/v1/conversations/{world.conv}/files",
                                           params={"name": "photo.jpg", "size": len(picture)},
                                           content=picture, headers=headers)
                thumb = await http.get(f"/api/v1/files/{response.json()['id']}/thumb", headers=headers)
                assert thumb.status_code == 200
                results["thumb"].append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                got = await http.get("/bench-static/photo.jpg")
                results["static_photo"].append((time.perf_counter() - started) * 1000)
            log(f"  files {overrides.get('files_url', 'folder')[:10]}: {median(results['up']):.0f} MiB/s up")
    return results


async def memory(tmp: Path) -> dict[int, float]:
    """Peak traced Python memory (MiB) in this process (server and client) while uploading each size."""
    from tests.relay.harness import World, running

    peaks: dict[int, float] = {}
    async with running(tmp, None, max_upload_mb=128) as live:
        world = await World(live.store).build()
        await live.store.update_site(world.site, settings={"max_file_mb": 100})
        headers = {"Authorization": f"Bearer {await world.token(world.alice)}"}
        async with httpx.AsyncClient(base_url=live.http, timeout=300) as http:
            for size in (8, 64):
                async def stream(total: int = size * MIB) -> AsyncIterator[bytes]:
                    block = os.urandom(256 * 1024)
                    for _ in range(total // len(block)):
                        yield block

                tracemalloc.start()
                response = await http.post(f"/api/v1/conversations/{world.conv}/files",
                                           params={"name": "big.bin", "size": size * MIB},
                                           content=stream(), headers=headers)
                peaks[size] = tracemalloc.get_traced_memory()[1] / MIB
                tracemalloc.stop()
                assert response.status_code == 201, response.text
    return peaks


async def run_async(quick: bool, runs: int, log: Callable[[str], None]) -> list[Table]:
    from tests.perf.databases import POSTGRES_DOWN, postgres_up
    from tests.support.store_data import create_postgres_database, drop_postgres_database

    size = 8 if quick else 32
    backends: dict[str, dict[str, list[float]] | str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-files-") as tmp:
        backends["folder (file://)"] = await one_backend({}, runs, size, log, Path(tmp))
    if postgres_up():
        url = await create_postgres_database("parley_bench_files")
        try:
            with tempfile.TemporaryDirectory(prefix="bench-files-") as tmp:
                backends["PostgreSQL chunks"] = await one_backend({"database_url": url, "files_url": url}, runs, size,
                                                                  log, Path(tmp))
        finally:
            await drop_postgres_database(url)
    else:
        backends["PostgreSQL chunks"] = POSTGRES_DOWN
    with tempfile.TemporaryDirectory(prefix="bench-files-") as tmp:
        peaks = await memory(Path(tmp))
    speed = Table(f"Files: throughput, MiB/s (median of {runs} runs, one {size} MiB file, loopback)",
                  ["store", "upload", "download", "static serve", "upload / static", "download / static"])
    first = Table(f"Files: time to first thumbnail, ms (median of {runs}; a 2400x1600 JPEG photo)",
                  ["store", "upload + thumbnail", "static serve of the photo", "ratio"])
    for name, found in backends.items():
        if isinstance(found, str):
            speed.add(name, found, "", "", "", "")
            first.add(name, found, "", "")
            continue
        up, down, static = median(found["up"]), median(found["down"]), median(found["static"])
        speed.add(name, up, down, static, fmt_ratio(ratio(up, static)), fmt_ratio(ratio(down, static)))
        thumb, plain = median(found["thumb"]), median(found["static_photo"])
        first.add(name, thumb, plain, fmt_ratio(ratio(thumb, plain)))
    first.notes.append("upload + thumbnail: POST the photo (type sniffed, decoded, EXIF stripped, re-encoded, "
                       "thumbnail made, both stored) then GET its thumbnail")
    mem = Table("Files: peak Python memory during one upload (tracemalloc, server and client in one process)",
                ["upload", "peak MiB"])
    for size_mib, peak in peaks.items():
        mem.add(f"{size_mib} MiB", f"{peak:.2f}")
    mem.add("64 / 8", fmt_ratio(ratio(peaks[64], peaks[8])))
    mem.notes.append("streamed to a spool file in 64-256 KiB chunks: the peak must not grow with the file size")
    return [speed, first, mem]


def run(quick: bool, runs: int, log: Callable[[str], None]) -> list[Table]:
    os.environ.setdefault("PARLEY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    os.environ.setdefault("PARLEY_BUNDLE_DIR", "/tmp/files-bundle")
    return asyncio.run(run_async(quick, min(runs, 5), log))
