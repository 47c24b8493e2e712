"""Origin and redirect URI normalization used by the console, the CLI and CORS."""

from __future__ import annotations

import pytest

from server.oauth.origins import OriginError, normalize_origin, normalize_redirect_uri, origin_of
from server.oauth.sites import SiteInputError, validate_site


@pytest.mark.parametrize(("raw", "expected"), [
    ("https://Example.COM", "https://example.com"),
    ("https://example.com:443", "https://example.com"),
    ("http://example.com:80/", "http://example.com"),
    ("https://example.com:8443", "https://example.com:8443"),
    ("http://[::1]:8000", "http://[::1]:8000"),
    ("  https://example.com  ", "https://example.com"),
])
def test_normalize_origin(raw: str, expected: str) -> None:
    assert normalize_origin(raw) == expected


@pytest.mark.parametrize("raw", [
    "https://good.example@evil.example", "https://a:b@example.com", "https://example.com/app",
    "https://example.com/?", "https://example.com#x", "javascript:alert(1)", "https://exa mple.com",
    "https://example.com\\@evil.example", "https://-bad-.example", "file:///etc/passwd",
])
def test_bad_origins(raw: str) -> None:
    with pytest.raises(OriginError):
        normalize_origin(raw)


def test_redirect_uri_rules() -> None:
    origins = ["https://example.com"]
    assert normalize_redirect_uri("https://EXAMPLE.com:443/cb?x=1", origins) == "https://example.com/cb?x=1"
    for bad in ("https://example.com.evil.example/cb", "https://example.com/cb#f", "https://u@example.com/cb"):
        with pytest.raises(OriginError):
            normalize_redirect_uri(bad, origins)
    assert origin_of("https://Example.com:443/a/b") == "https://example.com"
    assert origin_of("mailto:x@example.com") is None


def test_validate_site_collects_every_problem() -> None:
    with pytest.raises(SiteInputError) as info:
        validate_site("", ["https://x.example/path"], ["profile", "admin"], theme="neon", runtime="java")
    assert len(info.value.messages) == 5
    site = validate_site(" Shop ", ["https://x.example", "https://X.example/"], ["profile"], theme="auto")
    assert site.origins == ["https://x.example"] and site.name == "Shop"
