"""Wrong-password attempts of a known user: sign-in, account deletion (form and API) and password change all
count their failures in one window per (username, IP), so none of them is a password oracle."""

from __future__ import annotations

from starlette.requests import Request

from .security import app_limiter, client_ip

# Failed password checks per (username, IP): at most 5 in 5 minutes.
SIGNIN_FAILURES = (5, 300.0)
SIGNIN_WINDOW = "signin"


class PasswordAttempts:
    """The shared failure count of one username from the requesting IP."""

    def __init__(self, request: Request, username: str) -> None:
        self._window = app_limiter(request.app, SIGNIN_WINDOW, *SIGNIN_FAILURES)
        self._key = f"{username}|{client_ip(request)}"

    def retry_after(self) -> int | None:
        """Seconds to wait before a password may be checked again, or None if it may be checked now."""
        return self._window.retry_after(self._key)

    def failed(self) -> None:
        """Count one wrong password."""
        self._window.hit(self._key)

    def succeeded(self) -> None:
        """Forget the failures after a right password (what a successful sign-in does)."""
        self._window.reset(self._key)
