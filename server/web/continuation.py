"""Where a sign-in that continues to /oauth/authorize may redirect, for the sign-in page's CSP `form-action`.

Chromium applies `form-action` to the redirect after a form post, so the page must name the client's origin;
but only a registered redirect URI of a known client may widen it, never any origin a crafted `next` names.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request

from ..oauth.origins import origin_of
from ..oauth.params import repeated_parameter
from ..oauth.records import SiteClient

AUTHORIZE_PATH = "/oauth/authorize"


async def continuation_targets(request: Request, next_path: str) -> list[str]:
    """The origin of `next`'s redirect URI when `next` is an authorization request naming a known client and
    one of its registered redirect URIs (each parameter once); else nothing."""
    parts = urlsplit(next_path)
    if parts.path != AUTHORIZE_PATH:
        return []
    params = parse_qsl(parts.query, keep_blank_values=True)
    if repeated_parameter(name for name, _ in params) is not None:
        return []
    query = dict(params)
    client_id, redirect_uri = query.get("client_id", ""), query.get("redirect_uri", "")
    if not client_id or not redirect_uri:
        return []
    site = await request.app.state.store.site_by_client_id(client_id)
    if site is None or not SiteClient(site, request.app.state.settings.public_url).check_redirect_uri(redirect_uri):
        return []
    origin = origin_of(redirect_uri)
    return [origin] if origin else []
