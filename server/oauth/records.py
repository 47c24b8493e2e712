"""What the OAuth layer reads from the store, as plain records that also speak authlib's model mixins.

The authorization server's synchronous core only ever sees these prefetched records; it never touches the
database itself (see server/oauth/server.py for why).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin

from .scopes import scope_list, scope_text

CALLBACK_PATH = "/oauth/callback"


@dataclass(frozen=True, slots=True)
class SiteRecord:
    """A registered site (OAuth public client)."""

    id: int
    client_id: str
    owner_id: int | None
    name: str
    origins: tuple[str, ...]
    redirect_uris: tuple[str, ...]  # the owner's own (inline developers); the Parley callback is implicit
    scopes: str
    settings: dict[str, Any] = field(default_factory=dict)
    created_at: int = 0

    @property
    def theme(self) -> str:
        return str(self.settings.get("theme", "auto"))

    @property
    def runtime(self) -> str:
        return str(self.settings.get("runtime", "micropython"))


class SiteClient(ClientMixin):  # type: ignore[misc]
    """A site as authlib's public client: auth method `none`, code + refresh grants, exact redirect URIs."""

    def __init__(self, site: SiteRecord, public_url: str) -> None:
        self.site = site
        self.callback_uri = public_url + CALLBACK_PATH

    @property
    def redirect_uris(self) -> tuple[str, ...]:
        return (self.callback_uri, *self.site.redirect_uris)

    def get_client_id(self) -> str:
        return self.site.client_id

    def get_default_redirect_uri(self) -> str | None:
        return None  # redirect_uri is always required: no guessing for public clients

    def get_allowed_scope(self, scope: str | None) -> str | None:
        allowed = set(scope_list(self.site.scopes))
        if not scope:
            return self.site.scopes
        requested = scope_list(scope)
        return scope_text(requested) if set(requested) <= allowed else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return False

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "none"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass(frozen=True, slots=True)
class CodeRecord(AuthorizationCodeMixin):  # type: ignore[misc]
    """A stored authorization code (looked up by its hash)."""

    code_hash: str
    site_id: int
    user_id: int
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str
    created_at: int
    expires_at: int
    used_at: int | None
    family_id: str | None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass(frozen=True, slots=True)
class TokenRecord(TokenMixin):  # type: ignore[misc]
    """A stored access/refresh token pair (one row of a rotation family)."""

    id: int
    family_id: str
    site_id: int
    user_id: int
    scope: str
    access_expires_at: int
    refresh_expires_at: int | None
    refresh_used_at: int | None
    revoked_at: int | None

    def check_client(self, client: SiteClient) -> bool:
        return self.site_id == client.site.id

    def get_scope(self) -> str:
        return self.scope

    def is_revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    """What a user allowed a site, with the site's name and origins for the account page."""

    user_id: int
    site_id: int
    scope: str
    created_at: int
    site_name: str = ""
    site_origins: tuple[str, ...] = ()
