"""parley.urls under CPython: the one URL helper of the widget and the protocol (origin, host, http(s) check,
safe links). tests/client/mp_smoke.py runs the same helpers under MicroPython."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "client"))

from parley import protocol, urls  # noqa: E402


@pytest.mark.parametrize(("url", "parts"), [
    ("https://Shop.Example/a/b?c#d", ("https://", "Shop.Example")),
    ("HTTP://127.0.0.1:8001?x=/y", ("http://", "127.0.0.1:8001")),
    ("http://[::1]:8080#frag/x", ("http://", "[::1]:8080")),
    ("https://user@host.example/", ("https://", "user@host.example")),
    ("https://", ("https://", "")),
    ("ftp://host.example/", None),
    ("javascript:alert(1)", None),
    ("//host.example/", None),
    (None, None),
    (42, None),
])
def test_split_finds_scheme_and_authority(url: object, parts: tuple[str, str] | None) -> None:
    assert urls.split(url) == parts
    assert urls.is_http(url) is (parts is not None)


def test_host_is_lower_cased_authority_or_empty() -> None:
    assert urls.host("https://Ex.com:8443/p?q") == "ex.com:8443"
    assert urls.host("HTTPS://A.Example#x") == "a.example"
    assert urls.host("mailto:x@example.com") == ""
    assert urls.host("") == ""
    assert protocol.url_host is urls.host  # the protocol (and so the server) uses the same helper


def test_origin_refuses_user_info_backslashes_and_empty_hosts() -> None:
    assert urls.origin("HTTPS://Shop.Example/x") == "https://shop.example"
    assert urls.origin("http://127.0.0.1:8001/ext/c.py") == "http://127.0.0.1:8001"
    assert urls.origin("https://shop.example") == "https://shop.example"
    for bad in ("https://user@shop.example/", "https://a\\b.example/", "https:///path", "data:text/html,x",
                "javascript:alert(1)", None, 5):
        assert urls.origin(bad) is None, bad


def test_safe_link_keeps_only_plain_http_links() -> None:
    assert urls.safe_link("https://x.example/a.png") == "https://x.example/a.png"
    assert urls.safe_link("HTTP://x.example/?q=1") == "HTTP://x.example/?q=1"
    longest = "https://x.example/" + "a" * (urls.MAX_LINK_CHARS - 18)
    assert urls.safe_link(longest) == longest
    for bad in ("javascript:alert(1)", "data:text/html,x", "https://x.example/a b", '"onerror=x',
                "https://x.example/\"x", "https://x.example/<b>", "https://x.example/\\", "https://x.example/\x7f",
                "https://x.example/\n", longest + "a", "", None, 5):
        assert urls.safe_link(bad) is None, bad
    assert urls.MAX_LINK_CHARS == protocol.MAX_URL_CHARS


def test_websocket_url_keeps_host_and_path() -> None:
    assert urls.websocket_url("https://parley.example") == "wss://parley.example"
    assert urls.websocket_url("http://127.0.0.1:8000/base") == "ws://127.0.0.1:8000/base"
