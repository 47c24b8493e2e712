"""Operations answered by the server by request id (``rid``): ``friend``, ``find``, ``invite``, ``group`` and
``search`` frames wait here for their ``done``, ``found``, ``invites`` or ``search_results`` frame, or their
``error`` (raised as a ParleyError with the server's code). Only asyncio: runs on CPython (unit tests) and
MicroPython alike.
"""

import asyncio

from parley import protocol as P
from parley.errors import ParleyError

ANSWERS = (P.DONE, P.FOUND, P.INVITES, P.SEARCH_RESULTS)
REPLY_TIMEOUT_S = 20


class Waiter:
    """One operation waiting for its answer (MicroPython's asyncio has Event, not Future)."""

    def __init__(self):
        self.event = asyncio.Event()
        self.frame = None
        self.error = None

    def settle(self, frame=None, error=None):
        if not self.event.is_set():
            self.frame, self.error = frame, error
            self.event.set()


class Replies:
    """Waiters by request id; ``take(frame)`` settles the one a server frame answers."""

    def __init__(self):
        self._waiters = {}
        self._next = 0

    def new_rid(self):
        self._next += 1
        return "p" + str(self._next)

    def expect(self, rid):
        waiter = self._waiters[rid] = Waiter()
        return waiter

    async def wait(self, rid, waiter, timeout=REPLY_TIMEOUT_S):
        """The answering frame; raises ParleyError (the server's code, or "timeout")."""
        try:
            await asyncio.wait_for(waiter.event.wait(), timeout)
        except asyncio.TimeoutError:  # noqa: UP041 (MicroPython: not the builtin TimeoutError)
            raise ParleyError("timeout", "no answer from the server") from None
        finally:
            self._waiters.pop(rid, None)
        if waiter.error is not None:
            raise waiter.error
        return waiter.frame

    def take(self, frame):
        """Settle the waiter this frame answers (done/found/invites, or an error whose ref is its rid).
        True if it answered one."""
        kind = frame.get("t")
        rid = frame.get("ref") if kind == P.ERROR else frame.get("rid") if kind in ANSWERS else None
        waiter = self._waiters.get(rid) if rid is not None else None
        if waiter is None:
            return False
        if kind == P.ERROR:
            waiter.settle(error=ParleyError(frame["code"], frame.get("message") or frame["code"]))
        else:
            waiter.settle(frame=frame)
        return True

    def fail_all(self, code, message):
        """The socket closed: nothing pending will be answered on it."""
        for waiter in list(self._waiters.values()):
            waiter.settle(error=ParleyError(code, message))

    def __len__(self):
        return len(self._waiters)
