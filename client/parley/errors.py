"""The library's exceptions (pure): what a developer catches around parley.* calls."""


class ParleyError(Exception):
    """A Parley call failed. `code` is machine-readable (the server's error code or one of ours)."""

    def __init__(self, code, message="", status=0):
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.status = status


class NotSignedIn(ParleyError):
    """The visitor is not signed in: call parley.sign_in() from a click first."""


class ScopeNotGranted(ParleyError):
    """The site was not granted the scope this call needs (see the site's scopes and the consent)."""


class NotAFriend(ParleyError):
    """The user is not one of the visitor's friends (or does not exist)."""


class ExtensionError(ParleyError):
    """An extension module could not be loaded or registered something invalid."""


def translate(error):
    """An exception from the client's HTTP layer (any object with code/message/status) as a library error."""
    if isinstance(error, ParleyError) and type(error) is not ParleyError:
        return error
    code = str(getattr(error, "code", "") or "error")
    message = str(getattr(error, "message", "") or error)
    status = int(getattr(error, "status", 0) or 0)
    if code in ("not_signed_in", "unauthenticated") or status == 401:
        return NotSignedIn("not_signed_in", "sign in first (parley.sign_in() from a click): " + message, status)
    if code == "insufficient_scope":
        return ScopeNotGranted(code, message, status)
    if code in ("not_friend", "not_a_friend", "blocked"):
        return NotAFriend("not_a_friend", message, status)
    return ParleyError(code, message, status)


def need_scope(granted, scope):
    """Raise ScopeNotGranted unless `scope` is among the granted scopes (an empty grant means unknown: allow)."""
    if granted and scope not in granted:
        raise ScopeNotGranted("insufficient_scope",
                              "this needs the scope " + repr(scope) + "; granted: " + " ".join(granted))
