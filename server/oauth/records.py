"""The store's site, code and token records as authlib's model mixins see them.

The authorization server's synchronous core only ever sees prefetched records (``server.store.records``)
through these adapters; it never touches the database itself (see server/oauth/server.py for why).
"""

from __future__ import annotations

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin

from ..store.records import CodeRecord, SiteRecord, TokenRecord
from .scopes import scope_list, scope_text

CALLBACK_PATH = "/oauth/callback"


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


class AuthorizationCode(AuthorizationCodeMixin):  # type: ignore[misc]
    """A stored authorization code as authlib's grant reads it."""

    def __init__(self, record: CodeRecord) -> None:
        self.record = record

    @property
    def code_challenge(self) -> str:  # read by authlib's PKCE check (rfc7636)
        return self.record.code_challenge

    @property
    def code_challenge_method(self) -> str:
        return self.record.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.record.redirect_uri

    def get_scope(self) -> str:
        return self.record.scope


class IssuedToken(TokenMixin):  # type: ignore[misc]
    """A stored token pair as authlib's refresh grant and revocation endpoint read it."""

    def __init__(self, record: TokenRecord) -> None:
        self.record = record

    def check_client(self, client: SiteClient) -> bool:
        return self.record.site_id == client.site.id

    def get_scope(self) -> str:
        return self.record.scope

    def is_revoked(self) -> bool:
        return self.record.revoked_at is not None
