"""authlib's OAuth 2.0 core behind a small Starlette adapter, with Parley's rules for public clients.

How the synchronous core stays off the database (and so never blocks the event loop): for each request the
route first reads the body and *prefetches* everything the core may ask for (the site, the code or token
the request names) with async queries; the core then runs on the event loop as pure computation over those
records (microseconds: parameter checks, PKCE hashing, token generation) and *records* the writes it wants
(`Effects`); the route applies them afterwards in one async transaction, where single use is enforced by a
conditional UPDATE. One engine, no thread pool, no second (sync) driver, same code on SQLite and PostgreSQL.

Defaults of authlib that are wrong for public clients and are overridden here:
- PKCE: stock `CodeChallenge` accepts `plain` and a missing challenge at /authorize; `S256Only` refuses both.
- Client authentication: the grants and the revocation endpoint allow exactly `none`.
- Refresh: a new refresh token on every use (rotation); reuse detection lives in the token route.
- The authorization response carries `iss` (RFC 9207), on success and on error.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from authlib.oauth2 import AuthorizationServer, OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import InvalidRequestError, JsonRequest, OAuth2Payload
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant, RefreshTokenGrant
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ..security import random_token
from ..settings import Settings
from ..store.clock import now_ms
from ..store.records import CodeRecord, TokenRecord
from ..store.secrets import hash_secret
from .params import refuse_repeated
from .records import AuthorizationCode, IssuedToken, SiteClient
from .scopes import ALL_SCOPES

CODE_TTL_MS = 60_000


@dataclass(frozen=True, slots=True)
class RequestData:
    """An HTTP request already read in full (the core is synchronous and must not await the body)."""

    method: str
    uri: str
    headers: dict[str, str]
    params: list[tuple[str, str]]  # query for /authorize, form body for /token and /revoke


def request_data(request: Request, public_url: str, params: list[tuple[str, str]]) -> RequestData:
    """A Starlette request with its already-read parameters, as the core sees it (URI on the public URL)."""
    query = request.url.query
    uri = public_url + request.url.path + (f"?{query}" if query else "")
    return RequestData(request.method, uri, dict(request.headers), params)


@dataclass(frozen=True, slots=True)
class ResourceOwner:
    """The signed-in user as the core sees it."""

    id: int


@dataclass
class Prefetched:
    """What the core may look up, loaded by the route before the core runs."""

    client: SiteClient | None = None
    code: CodeRecord | None = None
    refresh: TokenRecord | None = None
    refresh_hash: str | None = None  # the hash `refresh` was loaded by
    revocable: TokenRecord | None = None


@dataclass
class Effects:
    """The writes the core asked for, applied by the route after it returns."""

    new_code: CodeRecord | None = None
    redeemed_code: CodeRecord | None = None
    rotated: TokenRecord | None = None
    token_row: dict[str, Any] | None = None
    revoke_family: str | None = None


class ParamsPayload(OAuth2Payload):  # type: ignore[misc]
    """Request parameters as authlib reads them: first value per name, and every value per name."""

    def __init__(self, params: list[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for name, value in params:
            self._datalist[name].append(value)
        self._data = {name: values[0] for name, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class StarletteOAuth2Request(OAuth2Request):  # type: ignore[misc]
    """authlib's request object over a pre-read Starlette request."""

    def __init__(self, data: RequestData) -> None:
        super().__init__(method=data.method, uri=data.uri, headers=data.headers)
        self.payload = ParamsPayload(data.params)
        self._params = dict(self.payload.data)

    @property
    def args(self) -> dict[str, str]:
        return self._params

    @property
    def form(self) -> dict[str, str]:
        return self._params


class S256Only(CodeChallenge):  # type: ignore[misc]
    """PKCE with S256 required at /authorize: a missing challenge or `plain` is an invalid_request."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported (plain is refused)")
        super().validate_code_challenge(grant, redirect_uri)


class ParleyCodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    """Authorization code grant for public clients; codes live 60 s and are stored only as hashes."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]
    server: ParleyAuthorizationServer

    @staticmethod
    def validate_no_multiple_request_parameter(request: OAuth2Request) -> None:
        datalist = request.payload.datalist
        refuse_repeated(name for name, values in datalist.items() for _ in values)

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        now = now_ms()
        self.server.effects.new_code = CodeRecord(
            code_hash=hash_secret(code),
            site_id=request.client.site.id,
            user_id=request.user.id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope,
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            created_at=now,
            expires_at=now + CODE_TTL_MS,
            used_at=None,
            family_id=None,
        )

    def query_authorization_code(self, code: str, client: SiteClient) -> AuthorizationCode | None:
        found = self.server.prefetched.code
        if found is None or found.code_hash != hash_secret(code):
            return None
        if found.site_id != client.site.id or found.used_at is not None or found.expires_at <= now_ms():
            return None
        return AuthorizationCode(found)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        self.server.effects.redeemed_code = authorization_code.record

    def authenticate_user(self, authorization_code: AuthorizationCode) -> ResourceOwner:
        return ResourceOwner(authorization_code.record.user_id)


class ParleyRefreshGrant(RefreshTokenGrant):  # type: ignore[misc]
    """Refresh grant with rotation: every use returns a new refresh token and spends the old one."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["none"]
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: ParleyAuthorizationServer

    def authenticate_refresh_token(self, refresh_token: str) -> IssuedToken | None:
        found = self.server.prefetched.refresh
        if found is None or self.server.prefetched.refresh_hash != hash_secret(refresh_token):
            return None
        if found.revoked_at is not None or found.refresh_used_at is not None:
            return None
        if found.refresh_expires_at is None or found.refresh_expires_at <= now_ms():
            return None
        return IssuedToken(found)

    def authenticate_user(self, refresh_token: IssuedToken) -> ResourceOwner:
        return ResourceOwner(refresh_token.record.user_id)

    def revoke_old_credential(self, refresh_token: IssuedToken) -> None:
        self.server.effects.rotated = refresh_token.record


class ParleyRevocation(RevocationEndpoint):  # type: ignore[misc]
    """RFC 7009 for public clients: revoking either token of a pair revokes its whole family."""

    CLIENT_AUTH_METHODS = ["none"]
    server: ParleyAuthorizationServer

    def query_token(self, token_string: str, token_type_hint: str | None) -> IssuedToken | None:
        found = self.server.prefetched.revocable
        return IssuedToken(found) if found is not None else None

    def revoke_token(self, token: IssuedToken, request: Any) -> None:
        self.server.effects.revoke_family = token.record.family_id


class ParleyAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """One instance per request: authlib's core over prefetched records, recording its writes."""

    def __init__(self, settings: Settings, prefetched: Prefetched) -> None:
        super().__init__(scopes_supported=list(ALL_SCOPES))
        self.settings = settings
        self.prefetched = prefetched
        self.effects = Effects()
        self.register_grant(ParleyCodeGrant, [S256Only(required=True)])
        self.register_grant(ParleyRefreshGrant)
        self.register_endpoint(ParleyRevocation)
        self.register_token_generator("default", self._generate_token)

    # --- the four framework methods (cf. authlib.integrations.flask_oauth2) ---

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        return StarletteOAuth2Request(request)

    def create_json_request(self, request: Any) -> JsonRequest:
        raise NotImplementedError("Parley's OAuth endpoints take form bodies only")

    def handle_response(self, status_code: int, payload: Any, headers: list[tuple[str, str]]) -> Response:
        header_map = dict(headers)
        if status_code in (301, 302, 303, 307) and "Location" in header_map:
            # Only authorization responses redirect: add `iss` (RFC 9207) to success and error alike.
            return RedirectResponse(self.with_iss(header_map["Location"]), status_code=302)
        response = JSONResponse(payload if isinstance(payload, dict) else {}, status_code=status_code)
        for name, value in headers:
            if name.lower() != "content-type":
                response.headers[name] = value
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response

    def token_answer(self, data: RequestData) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        """The token endpoint's answer as data: status, JSON body (tokens, or ``error``) and headers.

        The same steps as authlib's ``create_token_response``, without making an HTTP response."""
        request = self.create_oauth2_request(data)
        try:
            grant = self.get_token_grant(request)
            grant.validate_token_request()
            status, payload, headers = grant.create_token_response()
        except OAuth2Error as error:
            status, payload, headers = error(self.get_error_uri(request, error))
        return status, dict(payload) if isinstance(payload, dict) else {}, list(headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None  # nothing listens; revocation side effects are applied by the route

    # --- storage hooks over prefetched records ---

    def query_client(self, client_id: str) -> SiteClient | None:
        client = self.prefetched.client
        return client if client is not None and client.get_client_id() == client_id else None

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        now = now_ms()
        previous: IssuedToken | None = request.refresh_token
        self.effects.token_row = {
            "family_id": previous.record.family_id if previous else random_token(),
            "site_id": request.client.site.id,
            "user_id": request.user.id,
            "scope": token.get("scope", ""),
            "access_token_hash": hash_secret(token["access_token"]),
            "refresh_token_hash": hash_secret(token["refresh_token"]) if token.get("refresh_token") else None,
            "issued_at": now,
            "access_expires_at": now + self.settings.access_token_ttl * 1000,
            "refresh_expires_at": now + self.settings.refresh_token_ttl * 1000 if token.get("refresh_token") else None,
            "refresh_used_at": None,
            "revoked_at": None,
        }

    def _generate_token(
        self,
        grant_type: str,
        client: SiteClient,
        user: Any = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": random_token(),
            "expires_in": self.settings.access_token_ttl,
            "scope": client.get_allowed_scope(scope) or "",
        }
        if include_refresh_token:
            token["refresh_token"] = random_token()
        return token

    # --- RFC 9207 ---

    @property
    def issuer(self) -> str:
        return self.settings.public_url

    def with_iss(self, location: str) -> str:
        """The redirect URI with `iss` added to its query (authorization responses, success or error)."""
        parts = urlsplit(location)
        query = parts.query + ("&" if parts.query else "") + urlencode({"iss": self.issuer})
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
