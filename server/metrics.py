"""/metrics for operators: this process's relay numbers in the Prometheus text format (prometheus-client).

Off unless ``PARLEY_METRICS_ENABLED``; with ``PARLEY_METRICS_TOKEN`` a scrape needs ``Authorization: Bearer``.
Each process has its own registry: the relay's counts (``relay/stats.py``), read at scrape time by a collector,
plus the process collector (CPU, memory, open files). Prometheus scrapes every process (see docs/deploy.md).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator

from fastapi import APIRouter, Request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.responses import Response

from .relay import Hub


class RelayCollector(Collector):
    """The hub's numbers as metric families, read when scraped (nothing is counted here)."""

    def __init__(self, hub: Callable[[], Hub | None]) -> None:
        self.hub = hub

    def collect(self) -> Iterator[Metric]:
        hub = self.hub()
        if hub is None:
            return
        stats = hub.stats
        yield GaugeMetricFamily("parley_connections", "Live relay sockets in this process",
                                value=len(hub.connections()))
        yield GaugeMetricFamily("parley_users_connected", "Users with a live socket in this process",
                                value=len(hub.users))
        yield CounterMetricFamily("parley_connections_opened", "Relay sockets that said hello and were welcomed",
                                  value=stats.opened)
        closes = CounterMetricFamily("parley_connections_closed", "Relay sockets closed, by close code",
                                     labels=["code"])
        for close_code, count in sorted(stats.closes.items()):
            closes.add_metric([str(close_code)], count)
        yield closes
        frames_in = CounterMetricFamily("parley_frames_in", "Frames received from clients, by type", labels=["type"])
        for kind, count in sorted(stats.frames_in.items()):
            frames_in.add_metric([kind], count)
        yield frames_in
        frames_out = CounterMetricFamily(
            "parley_frames_out",
            "Frames sent to clients, by type (ack, error; fanout: published frames queued on local sockets)",
            labels=["type"],
        )
        for kind, count in sorted(stats.frames_out.items()):
            frames_out.add_metric([kind], count)
        yield frames_out
        errors = CounterMetricFamily("parley_errors", "Error frames sent, by code", labels=["code"])
        for code, count in sorted(stats.errors.items()):
            errors.add_metric([code], count)
        yield errors
        yield CounterMetricFamily("parley_messages_stored", "Messages committed by this process",
                                  value=hub.committer.committed)
        yield CounterMetricFamily("parley_commit_batches", "Group-commit transactions of this process",
                                  value=hub.committer.batches)
        yield CounterMetricFamily("parley_broker_reconnects", "Broker connections lost and recovered",
                                  value=stats.broker_resets)
        latency = stats.ack_latency
        yield HistogramMetricFamily(
            "parley_ack_latency_seconds", "From a send's arrival to its ack (stored durably)",
            buckets=latency.cumulative(), sum_value=latency.total,
        )


def metrics_registry(hub: Callable[[], Hub | None]) -> CollectorRegistry:
    """A registry of this process's own: relay numbers and the process's resources."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(RelayCollector(hub))
    ProcessCollector(registry=registry)
    return registry


def authorized(request: Request, token: str) -> bool:
    """Whether the scrape carries the configured bearer token (any scrape when none is configured)."""
    if not token:
        return True
    given = request.headers.get("authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def metrics_router(token: str = "") -> APIRouter:
    """GET /metrics (include it only when the setting enables it)."""
    router = APIRouter(include_in_schema=False)
    registries: dict[int, CollectorRegistry] = {}

    @router.get("/metrics")
    async def metrics(request: Request) -> Response:
        if not authorized(request, token):
            return Response("unauthorized\n", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        app = request.app
        registry = registries.get(id(app))
        if registry is None:
            registry = registries[id(app)] = metrics_registry(lambda: getattr(app.state, "hub", None))
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST,
                        headers={"Cache-Control": "no-store"})

    return router
