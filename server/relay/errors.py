"""Store and server failures as protocol error frames."""

from __future__ import annotations

import logging
from typing import Any

from parley import protocol as P

from ..store import (
    Blocked,
    Conflict,
    Forbidden,
    Invalid,
    LimitReached,
    NotFound,
    NotFriend,
    NotMember,
    StoreError,
    is_unavailable,
)

logger = logging.getLogger("parley.relay")

STORE_CODES: tuple[tuple[type[StoreError], str], ...] = (
    (NotMember, P.E_FORBIDDEN),
    (NotFriend, P.E_FORBIDDEN),
    (Blocked, P.E_FORBIDDEN),
    (Forbidden, P.E_FORBIDDEN),
    (LimitReached, P.E_LIMIT),  # before Invalid, its base
    (NotFound, P.E_NOT_FOUND),
    (Invalid, P.E_BAD_FIELD),
    (Conflict, P.E_BAD_FIELD),
)


def error_frame(exc: BaseException, ref: str | None = None) -> dict[str, Any]:
    """The error frame answering ``exc`` raised while handling a frame (``ref``: its cid or rid)."""
    frame: dict[str, Any] = _error_frame(exc, ref)
    return frame


def _error_frame(exc: BaseException, ref: str | None) -> Any:
    if isinstance(exc, P.ProtocolError):
        return P.make_error(exc.code, exc.message, exc.ref if exc.ref is not None else ref)
    if isinstance(exc, StoreError):
        for kind, code in STORE_CODES:
            if isinstance(exc, kind):
                return P.make_error(code, exc.message, ref)
        return P.make_error(P.E_BAD_FIELD, exc.message, ref)
    if is_unavailable(exc):
        logger.warning("store unavailable: %r", exc)
        return P.make_error(P.E_UNAVAILABLE, "the store is briefly unavailable; retry later", ref)
    logger.error("unexpected error handling a frame", exc_info=exc)
    return P.make_error(P.E_INTERNAL, "unexpected server error", ref)
