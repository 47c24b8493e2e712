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
import contextlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from server.broker.base import Broker, PresenceEntry, check_ttl

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

# ARGV[1] = payload, ARGV[2..] = channels: one command for a whole fan-out, the payload sent once.
PUBLISH_MANY = """
for i = 2, #ARGV do
  redis.call('PUBLISH', ARGV[i], ARGV[1])
end
return #ARGV - 1
"""

RECONNECT_DELAYS = (0.1, 0.5, 1.0, 2.0)
SUBSCRIBE_TIMEOUT = 10.0  # seconds to wait for Redis to confirm a subscription


def split_prefix(url: str) -> tuple[str, str]:
    """Take the ``prefix`` query parameter out of a redis URL: (url without it, prefix)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((value for key, value in query if key == "prefix"), "parley")
    rest = urlencode([(key, value) for key, value in query if key != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix


class RedisBroker(Broker):
    """Broker over one Redis server (or a compatible one: Valkey, KeyDB)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._redis_url, self.prefix = split_prefix(url)
        self._channel_prefix = f"{self.prefix}:ch:"
        self._redis: aioredis.Redis | None = None
        self._pubsub: Any = None
        self._listener: asyncio.Task[None] | None = None
        self._set_presence: Any = None
        self._publish_many: Any = None
        self._confirmations: dict[str, asyncio.Future[None]] = {}

    async def connect(self) -> None:
        self._redis = aioredis.from_url(self._redis_url, decode_responses=True, client_name=self.prefix)
        await self._redis.ping()
        self._set_presence = self._redis.register_script(SET_PRESENCE)
        self._publish_many = self._redis.register_script(PUBLISH_MANY)
        self._pubsub = self._redis.pubsub()
        # A control channel keeps the pub/sub connection subscribed even when no conversation is.
        await self._pubsub.subscribe(f"{self.prefix}:control")
        self._listener = asyncio.create_task(self._listen(), name="parley-broker-listener")

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        if self._pubsub is not None:
            await self._pubsub.aclose()
            self._pubsub = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
        self._dispatchers.clear()

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            raise RuntimeError("broker is not connected")
        return self._redis

    async def ping(self) -> None:
        await self.redis.ping()

    async def publish(self, channel: str, payload: str) -> None:
        await self.redis.publish(self._channel_prefix + channel, payload)

    async def publish_many(self, channels: Sequence[str], payload: str) -> None:
        """One command for the whole fan-out: a script that PUBLISHes the payload to each channel, in order
        (the payload crosses the network once, not once per channel)."""
        if len(channels) == 1:
            await self.publish(channels[0], payload)
            return
        if channels:
            prefix = self._channel_prefix
            await self._publish_many(args=[payload, *(prefix + channel for channel in channels)])

    async def _subscribe(self, channel: str) -> None:
        """Subscribe and wait until Redis confirms: payloads published after this returns arrive."""
        await self._subscribe_confirmed(self._channel_prefix + channel)

    async def _subscribe_confirmed(self, redis_channel: str) -> None:
        future = self._confirmations.get(redis_channel)
        if future is None:
            future = self._confirmations[redis_channel] = asyncio.get_running_loop().create_future()
        try:
            await self._pubsub.subscribe(redis_channel)
            await asyncio.wait_for(asyncio.shield(future), SUBSCRIBE_TIMEOUT)
        finally:
            if self._confirmations.get(redis_channel) is future:
                del self._confirmations[redis_channel]

    async def _unsubscribe(self, channel: str) -> None:
        await self._pubsub.unsubscribe(self._channel_prefix + channel)

    async def _listen(self) -> None:
        """The one listener task: read pub/sub payloads and hand them to local dispatchers."""
        failures = 0
        cut = len(self._channel_prefix)
        while True:
            try:
                message = await self._pubsub.get_message(timeout=None)
            except (RedisError, OSError) as exc:
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                logger.warning("broker listener lost Redis (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                continue
            if failures:  # reconnected (redis-py re-subscribed every channel on connect)
                failures = 0
                logger.info("broker listener reconnected to Redis")
                self._reset()
            if message is None:
                continue
            channel = message["channel"]
            if message["type"] == "subscribe":
                future = self._confirmations.get(channel)
                if future is not None and not future.done():
                    future.set_result(None)
                continue
            if message["type"] != "message":
                continue
            if channel.startswith(self._channel_prefix):
                self._deliver(channel[cut:], message["data"])

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
