"""Redis broker: pub/sub for fan-out across processes, presence hashes whose fields carry their expiry.

Keys and channels start with a prefix (URL query ``?prefix=``, default ``parley``):
- channel ``{prefix}:ch:{channel}`` for each logical channel;
- string ``{prefix}:once:{key}`` for a single-use claim (``claim_once``), expiring with its TTL;
- hash ``{prefix}:pres:{user_id}`` with one field per device: ``"{expiry_ms}|{entry json}"``. Expiry is
  computed from Redis' own clock (TIME) so process clocks do not matter. Writes drop expired fields and
  set the key to expire with its last live device; reads skip expired fields. A crashed process's
  devices thus vanish by themselves within their TTL, at O(devices of the user) per operation.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis.asyncio as aioredis

from server.broker.base import Broker, PresenceEntry, check_ttl
from server.broker.redis_links import Publisher, Subscriber, link_params

logger = logging.getLogger("parley.broker")

# KEYS[1] = presence hash; ARGV = device, ttl_ms, entry json. Returns Redis' time in ms.
SET_PRESENCE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expires = now + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], string.format('%d', expires) .. '|' .. ARGV[3])
local latest = expires
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local e = tonumber(string.match(fields[i + 1], '^(%d+)|'))
  if e == nil or e <= now then
    redis.call('HDEL', KEYS[1], fields[i])
  elseif e > latest then
    latest = e
  end
end
redis.call('PEXPIREAT', KEYS[1], latest)
return now
"""

def _logged(future: asyncio.Future[object]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.warning("publish failed: %r", future.exception())


def split_prefix(url: str) -> tuple[str, str]:
    """Take the ``prefix`` query parameter out of a redis URL: (url without it, prefix)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((value for key, value in query if key == "prefix"), "parley")
    rest = urlencode([(key, value) for key, value in query if key != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix


class RedisBroker(Broker):
    """Broker over one Redis server (or a compatible one: Valkey, KeyDB). Publishing and the pub/sub
    listener use the lean links of ``redis_links``; presence and claims use redis-py."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._redis_url, self.prefix = split_prefix(url)
        self._channel_prefix = f"{self.prefix}:ch:"
        self._redis: aioredis.Redis | None = None
        self._set_presence: Any = None
        self._publisher: Publisher | None = None
        self._subscriber: Subscriber | None = None

    async def connect(self) -> None:
        self._redis = aioredis.from_url(self._redis_url, decode_responses=True, client_name=self.prefix)
        await self._redis.ping()
        self._set_presence = self._redis.register_script(SET_PRESENCE)
        params = link_params(self._redis_url, self.prefix)
        self._publisher = Publisher(params)
        await self._publisher.connect()
        self._subscriber = Subscriber(params, self._received, self._reset)
        # A control channel keeps the pub/sub connection subscribed even when no conversation is.
        await self._subscriber.start(f"{self.prefix}:control")

    async def close(self) -> None:
        if self._subscriber is not None:
            await self._subscriber.close()
            self._subscriber = None
        if self._publisher is not None:
            await self._publisher.close()
            self._publisher = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
        self._dispatchers.clear()

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            raise RuntimeError("broker is not connected")
        return self._redis

    @property
    def publisher(self) -> Publisher:
        if self._publisher is None:
            raise RuntimeError("broker is not connected")
        return self._publisher

    async def ping(self) -> None:
        await self.redis.ping()

    async def publish(self, channel: str, payload: str) -> None:
        await self.publisher.post([self._channel_prefix + channel], payload)

    async def publish_many(self, channels: Sequence[str], payload: str) -> None:
        """One PUBLISH per channel, pipelined: written together, answered in order."""
        if channels:
            prefix = self._channel_prefix
            await self.publisher.post([prefix + channel for channel in channels], payload)

    def publish_later(self, channels: Sequence[str], payload: str) -> None:
        if channels:
            prefix = self._channel_prefix
            self.publisher.post([prefix + channel for channel in channels], payload).add_done_callback(_logged)

    async def _subscribe(self, channel: str) -> None:
        """Subscribe and wait until Redis confirms: payloads published after this returns arrive."""
        assert self._subscriber is not None
        await self._subscriber.subscribe(self._channel_prefix + channel)

    async def _unsubscribe(self, channel: str) -> None:
        if self._subscriber is not None:
            self._subscriber.unsubscribe(self._channel_prefix + channel)

    def _received(self, channel: str, payload: str) -> None:
        """A payload pushed by Redis: to the local dispatcher of its channel."""
        if channel.startswith(self._channel_prefix):
            self._deliver(channel[len(self._channel_prefix):], payload)

    async def claim_once(self, key: str, ttl_s: float) -> bool:
        """SET NX PX: one atomic command, so two processes claiming at once cannot both win."""
        claimed = await self.redis.set(f"{self.prefix}:once:{key}", "1", nx=True, px=check_ttl(ttl_s))
        return bool(claimed)

    def _presence_key(self, user_id: int) -> str:
        return f"{self.prefix}:pres:{user_id}"

    async def set_presence(self, user_id: int, device_id: str, entry: Mapping[str, Any], ttl_s: float) -> None:
        ttl_ms = check_ttl(ttl_s)
        await self._set_presence(keys=[self._presence_key(user_id)], args=[device_id, ttl_ms, json.dumps(entry)])

    async def remove_presence(self, user_id: int, device_id: str) -> None:
        await self.redis.hdel(self._presence_key(user_id), device_id)

    async def get_presence(self, user_ids: Iterable[int]) -> dict[int, dict[str, PresenceEntry]]:
        users = list(dict.fromkeys(user_ids))
        if not users:
            return {}
        pipe = self.redis.pipeline(transaction=False)
        pipe.time()
        for user_id in users:
            pipe.hgetall(self._presence_key(user_id))
        replies = await pipe.execute()
        seconds, micros = replies[0]
        now = int(seconds) * 1000 + int(micros) // 1000
        found: dict[int, dict[str, PresenceEntry]] = {}
        for user_id, fields in zip(users, replies[1:], strict=True):
            live: dict[str, PresenceEntry] = {}
            for device_id, raw in fields.items():
                expires, _, entry = raw.partition("|")
                if expires.isdigit() and int(expires) > now:
                    live[device_id] = json.loads(entry)
            if live:
                found[user_id] = live
        return found
