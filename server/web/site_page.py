"""Rendering the console's page for one site: its facts and snippet, the edit form, the widget settings with
the live preview, and its owners. Every form of the page posts back with the site's state kept."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from parley.extensions import MAX_EXTENSIONS
from starlette.responses import Response

from ..oauth.origins import origin_of
from ..oauth.scopes import SCOPE_DESCRIPTIONS
from ..oauth.sites import RUNTIMES, THEMES, snippet
from ..oauth.widget_settings import FEATURES, LANGS, OFFSET_MAX, OFFSET_MIN, form_values
from ..security import content_security_policy
from ..store.records import SiteRecord
from .pages import render

LANG_NAMES = {"en": "English", "fr": "Français", "ar": "العربية"}
FEATURE_NAMES = {"sharing": "Sharing pages with friends", "groups": "Creating group conversations"}


def choices() -> dict[str, Any]:
    """The choices of the site forms (scopes, themes, runtimes; the widget's languages, sides, features)."""
    return {
        "scope_choices": list(SCOPE_DESCRIPTIONS.items()), "themes": THEMES, "runtimes": RUNTIMES,
        "langs": [(code, LANG_NAMES.get(code, code)) for code in LANGS],
        "feature_choices": [(name, FEATURE_NAMES.get(name, name)) for name in FEATURES],
        "offset_min": OFFSET_MIN, "offset_max": OFFSET_MAX, "max_extensions": MAX_EXTENSIONS,
    }


def site_values(site: SiteRecord) -> dict[str, Any]:
    """A site's registration fields as the edit form shows them."""
    return {
        "name": site.name, "origins": "\n".join(site.origins), "redirect_uris": "\n".join(site.redirect_uris),
        "scopes": site.scopes.split(), "theme": site.theme, "runtime": site.runtime,
    }


def widget_values(site: SiteRecord) -> dict[str, Any]:
    """A site's widget settings (theme and runtime included) as the widget form shows them."""
    return {**form_values(site.settings), "theme": site.theme, "runtime": site.runtime}


def preview_query(values: dict[str, Any]) -> str:
    """The preview page's query for widget form values (the console's script builds the same from the form)."""
    pairs: list[tuple[str, str]] = [(key, str(values.get(key) or "")) for key in
                                    ("theme", "runtime", "accent", "side", "offset", "lang", "sound")]
    pairs.append(("features", ",".join(values.get("features") or [])))
    pairs += [("ext", url.strip()) for url in str(values.get("extensions") or "").splitlines() if url.strip()]
    return urlencode(pairs)


def console_csp(public_url: str) -> str:
    """The site page's policy: Parley's strict one, plus its own script (the live preview) and frames of
    Parley's own preview page."""
    own = origin_of(public_url) or "'self'"
    return content_security_policy().replace("script-src 'none'", f"script-src {own}") + f"; frame-src {own}"


async def render_site_page(
    request: Request, site: SiteRecord, *, form: dict[str, Any] | None = None,
    widget: dict[str, Any] | None = None, widget_errors: dict[str, str] | None = None,
    owner_error: str | None = None, error: str | None = None, notice: str | None = None, status_code: int = 200,
) -> Response:
    """The site's page; `form`/`widget` keep what the owner typed when one of the forms had errors."""
    store = request.app.state.store
    public_url: str = request.app.state.settings.public_url
    widget = widget or widget_values(site)
    context = {
        "site": site, "form": form or site_values(site), "widget": widget, "widget_errors": widget_errors or {},
        "snippet": snippet(public_url, site.client_id), "owners": await store.site_owners(site.id),
        "owner_error": owner_error, "preview_url": f"/sites/{site.client_id}/preview?{preview_query(widget)}",
        "error": error, "notice": notice, **choices(),
    }
    return await render(request, "site.html", context, status_code=status_code,
                        headers={"Content-Security-Policy": console_csp(public_url)})
