"""Store errors: each carries a stable machine-readable `code` and a human message.

The API turns them into `{"error": {"code", "message"}}` bodies; `status` is the HTTP status it uses.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error the store raises on purpose."""

    code = "store_error"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(StoreError):
    """The object does not exist (or is not visible to the caller)."""

    code = "not_found"
    status = 404


class NotMember(StoreError):
    """The caller is not a member of the conversation; also raised for ids that do not exist."""

    code = "not_member"
    status = 404


class NotFriend(StoreError):
    """The action needs an accepted friendship."""

    code = "not_friend"
    status = 403


class Blocked(StoreError):
    """One of the two users blocked the other."""

    code = "blocked"
    status = 403


class Forbidden(StoreError):
    """The caller may not do this (a group rule: only the owner removes, only friends are added, a block)."""

    code = "forbidden"
    status = 403


class Conflict(StoreError):
    """The request conflicts with the current state (e.g. a client id reused elsewhere)."""

    code = "conflict"
    status = 409


class Invalid(StoreError):
    """The input breaks a rule (length, format, limits)."""

    code = "invalid"
    status = 422


class LimitReached(Invalid):
    """A product limit was reached (a group's members); an Invalid, so callers that catch Invalid still do."""

    code = "limit"
    status = 422


class UsernameTaken(StoreError):
    """The username is already in use (or reserved by a deleted account)."""

    code = "username_taken"
    status = 409


class WrongPassword(StoreError):
    """The password given to confirm an action is wrong."""

    code = "wrong_password"
    status = 403


class SchemaTooNew(StoreError):
    """The database schema is newer than this code knows: refuse to run on it."""

    code = "schema_too_new"
    status = 500


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` is a transient failure to reach the database (connection lost, pool exhausted, a
    timeout): the caller may retry later. Errors the store raises on purpose are not."""
    from sqlalchemy.exc import DBAPIError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    return isinstance(exc, (OperationalError, DBAPIError, PoolTimeout, OSError, TimeoutError))
