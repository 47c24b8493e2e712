"""Probes for operators and load balancers: /healthz (liveness) and /readyz (database and broker answer)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

PROBE_TIMEOUT_S = 2.0


async def _check(name: str, probe: Any) -> tuple[str, str]:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            await probe()
    except Exception as exc:
        return name, f"down: {type(exc).__name__}"
    return name, "ok"


def health_router() -> APIRouter:
    """Routes /healthz and /readyz."""
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> JSONResponse:
        """Liveness: the process answers (restart it if not)."""
        return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: the database and the broker answer (send no traffic here if not)."""
        state = request.app.state
        store = getattr(state, "store", None)
        broker = getattr(state, "broker", None)

        async def database() -> None:
            if store is None:
                raise RuntimeError("no store")
            await store.ping()

        async def broker_ping() -> None:
            if broker is None:
                raise RuntimeError("no broker")
            await broker.ping()

        checks = dict(await asyncio.gather(_check("database", database), _check("broker", broker_ping)))
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", "checks": checks},
            status_code=200 if ready else 503,
            headers={"Cache-Control": "no-store"},
        )

    return router
