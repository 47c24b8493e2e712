"""RFC 6749 §3.1 and §3.2: request parameters must not be included more than once.

A repeated parameter is refused with `invalid_request` before anything else happens, on every endpoint
(authorize, token, revoke): otherwise the route and authlib's core may each read a different copy.
"""

from __future__ import annotations

from collections.abc import Iterable

from authlib.oauth2.rfc6749 import InvalidRequestError
from starlette.responses import JSONResponse


def repeated_parameter(names: Iterable[str]) -> str | None:
    """The first parameter name that occurs more than once in `names`, or None."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return None


def repeated_description(name: str) -> str:
    """The error description for a repeated parameter."""
    return f"The parameter {name!r} is repeated; send each parameter once"


def refuse_repeated(names: Iterable[str]) -> None:
    """Raise authlib's InvalidRequestError if a parameter occurs more than once (for the core's grants)."""
    name = repeated_parameter(names)
    if name is not None:
        raise InvalidRequestError(repeated_description(name))


def repeated_parameter_response(params: Iterable[tuple[str, str]]) -> JSONResponse | None:
    """The 400 invalid_request answer of the token and revocation endpoints, or None when nothing repeats."""
    name = repeated_parameter(name for name, _ in params)
    if name is None:
        return None
    return JSONResponse(
        {"error": "invalid_request", "error_description": repeated_description(name)},
        status_code=400, headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
