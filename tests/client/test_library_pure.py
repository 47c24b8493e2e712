"""The library's pure parts under CPython: public surface, registry (ownership, disabling), errors, custom
card data and safety, extension URL policy, the card protocol field, and the documented examples' logic."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import parley
import pytest
from parley import cards, errors, extensions
from parley import protocol as P
from parley.events import Emitter
from parley.registry import APP, Registry
from parley.urls import origin, safe_link

ROOT = Path(__file__).resolve().parents[2]


class FakeClient:
    def __init__(self) -> None:
        self.events = Emitter()
        self.commands: dict[str, Any] = {}
        self.filters: list[Any] = []
        self.sent: list[tuple[int, str]] = []

    def send_text(self, conv: int, text: str) -> None:
        self.sent.append((conv, text))


def load_example(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"example_{name}", ROOT / "docs" / "examples" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_public_surface_is_all_and_importable_without_a_browser() -> None:
    public = [name for name in dir(parley) if not name.startswith("_")]
    for name in parley.__all__:
        assert hasattr(parley, name), name
    # every public callable is documented, and documented in docs/python-api.md
    doc = (ROOT / "docs" / "python-api.md").read_text()
    for name in parley.__all__:
        if name != "__version__":
            assert f"{name}" in doc, f"{name} missing from docs/python-api.md"
            assert getattr(parley, name).__doc__, name
    assert "Registry" not in public and "inline" not in parley.__all__


def test_errors_translate_server_codes() -> None:
    class HttpError(Exception):
        def __init__(self, code: str, status: int) -> None:
            self.code, self.message, self.status = code, code + " happened", status

    assert isinstance(errors.translate(HttpError("insufficient_scope", 403)), parley.ScopeNotGranted)
    assert isinstance(errors.translate(HttpError("not_friend", 403)), parley.NotAFriend)
    assert isinstance(errors.translate(HttpError("unauthenticated", 401)), parley.NotSignedIn)
    plain = errors.translate(HttpError("conflict", 409))
    assert type(plain) is parley.ParleyError and plain.code == "conflict" and plain.status == 409
    with pytest.raises(parley.ScopeNotGranted, match="'share'"):
        errors.need_scope(("profile", "friends"), "share")
    errors.need_scope(("share",), "share")


def test_except_parley_error_catches_http_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    """One ParleyError: what the HTTP layer raises (an error answer, no network) is `parley.ParleyError`."""
    import asyncio
    import types

    class Response:
        def __init__(self, status: int, body: str) -> None:
            self.status, self.body = status, body
            self.headers: dict[str, str] = {}  # as a fetch Response's Headers: .get() of a missing one is null

        async def text(self) -> str:
            return self.body

    async def fetch(url: str, **options: Any) -> Response:
        if url.endswith("/offline"):
            raise TypeError("Failed to fetch")
        return Response(404, '{"error": {"code": "not_found", "message": "no such conversation"}}')

    fake = types.ModuleType("pyscript")
    fake.fetch = fetch  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pyscript", fake)
    monkeypatch.delitem(sys.modules, "parley.http", raising=False)
    try:
        from parley import http

        caught = []
        for url in ("https://parley.example/api/v1/conversations/9", "https://parley.example/offline"):
            try:
                asyncio.run(http.request("GET", url))
            except parley.ParleyError as error:
                caught.append((error.code, error.status))
        assert caught == [("not_found", 404), ("network", 0)]
        assert http.ParleyError is parley.ParleyError is errors.ParleyError
    finally:
        sys.modules.pop("parley.http", None)


def test_registry_reaches_clients_attached_before_and_after() -> None:
    registry = Registry()
    early = FakeClient()
    registry.attach(early)
    seen: list[Any] = []
    registry.on("message", seen.append)
    registry.command("roll", lambda args, conv: "rolled " + args)
    late = FakeClient()
    registry.attach(late)
    for client in (early, late):
        client.events.emit("message", {"n": 1})
        client.commands["roll"]("2d6", 7)
    assert seen == [{"n": 1}, {"n": 1}]
    assert early.sent == [(7, "rolled 2d6")] and late.sent == [(7, "rolled 2d6")]
    with pytest.raises(ValueError, match="unknown event"):
        registry.on("nope", print)


def test_a_failing_extension_is_disabled_as_a_whole() -> None:
    registry = Registry()
    reports: list[str] = []
    registry.report = reports.append
    client = FakeClient()
    registry.attach(client)
    previous = registry.loading("https://site.example/ext.py")
    registry.command("boom", lambda args, conv: 1 / 0)
    registry.outgoing_filter(lambda text, conv: text.upper())
    registry.card("product", lambda card: None)
    registry.loading(previous)
    assert client.filters[0]("hi", 1) == "HI"
    client.commands["boom"]("", 1)  # raises inside: reported, extension disabled
    assert registry.disabled == {"https://site.example/ext.py"}
    assert "ZeroDivisionError" in reports[0]
    assert client.filters[0]("hi", 1) == "hi"  # its filter is off too
    assert registry.renderer("product") is None
    registry.disable(APP, "never")  # the page's own code is never disabled
    assert APP not in registry.disabled


def test_extension_source_runs_with_its_url_as_owner() -> None:
    registry = Registry()
    source = ("import parley\nparley.outgoing_filter(lambda text, conv: text)\n"
              "def setup(session):\n    return session\n")
    registry_module = sys.modules["parley.registry"]
    saved = registry_module.REGISTRY
    try:
        assert extensions.run_source(source, "https://a.example/x.py", "SESSION", registry) == "SESSION"
    finally:
        registry_module.REGISTRY = saved
    with pytest.raises(SyntaxError):
        extensions.run_source("def broken(:\n", "https://a.example/y.py", None, registry)
    assert registry.owner == APP


def test_extension_urls_must_be_on_the_site_origins() -> None:
    origins = ["https://shop.example", "http://127.0.0.1:8001"]
    urls = ["https://shop.example/ext/a.py", "https://evil.example/x.py", "javascript:alert(1)",
            "https://shop.example.evil.example/b.py", "http://127.0.0.1:8001/ext/c.py",
            "https://shop.example/ext/a.py"]
    assert extensions.allowed(urls, origins) == ["https://shop.example/ext/a.py", "http://127.0.0.1:8001/ext/c.py"]
    assert origin("HTTPS://Shop.Example/x") == "https://shop.example"
    assert origin("https://user@shop.example/") is None


def test_card_data_and_urls_are_safe() -> None:
    data = {"url": "https://shop.example/p/1", "title": "Lamp",
            "card": {"type": "product", "fields": {"price": 9.5, "image": "javascript:alert(1)"}}}
    assert cards.card_of(data) == {"type": "product", "fields": {"price": 9.5, "image": "javascript:alert(1)"}}
    assert cards.card_of({"url": "https://x.example"}) is None
    card = cards.Card(data)
    assert card.get("price") == "9.5" and card.get("missing", "-") == "-"
    assert safe_link("https://x.example/a.png") == "https://x.example/a.png"
    assert parley.safe_url("https://x.example/a.png") == "https://x.example/a.png"
    for bad in ("javascript:alert(1)", "data:text/html,x", "https://x.example/a b", '"onerror=x', None, 5):
        assert safe_link(bad) is None and parley.safe_url(bad) is None


def test_protocol_accepts_flat_cards_and_refuses_nested_ones() -> None:
    fields = {"price": 49.9, "name": "Lamp", "new": True}
    share = {"t": P.SHARE, "cid": "c1", "conv": 1,
             "data": {"url": "https://shop.example/p", "card": {"type": "product", "fields": fields}}}
    assert P.validate(share, P.CLIENT_FRAMES)["data"]["card"]["fields"]["price"] == 49.9
    for fields in ({"x": {"nested": 1}}, {"x": [1]}, {"bad key": "v"}, {"x": "a\u2028" * 300},
                   {f"k{i}": 1 for i in range(21)}):
        share["data"]["card"]["fields"] = fields
        with pytest.raises(P.ProtocolError):
            P.validate(share, P.CLIENT_FRAMES)
    share["data"]["card"] = {"fields": {}}
    with pytest.raises(P.ProtocolError, match=r"card\.type"):
        P.validate(share, P.CLIENT_FRAMES)


def test_roll_example() -> None:
    roll = load_example("roll")
    assert roll.parse("") == (1, 6) and roll.parse("d20") == (1, 20) and roll.parse("3D8") == (3, 8)
    for bad in ("banana", "0d6", "2d1", "21d6", "2d", "-1d6"):
        with pytest.raises(ValueError):
            roll.parse(bad)
    assert roll.roll("2d6", lambda: 0.5) == "Rolled 2d6: 4 + 4 = 8"
    assert roll.roll("d20", lambda: 0.0) == "Rolled 1d20: 1"


def test_product_card_example_prices() -> None:
    product = load_example("product_card")
    assert product.format_price(49.9, "EUR") == "€49.90"
    assert product.format_price("12", "CHF") == "12.00 CHF"
    assert product.format_price("free", "EUR") == "" and product.format_price(-1, "USD") == ""


def test_library_modules_type_check() -> None:
    """The typed surface: mypy --strict over parley/__init__.py (the browser modules behind it are untyped)."""
    result = subprocess.run([sys.executable, "-m", "mypy", "--config-file", "/dev/null", "--strict",
                             "--ignore-missing-imports", "--follow-imports=silent",
                             "--allow-untyped-calls", "--no-warn-return-any",
                             str(ROOT / "client" / "parley" / "__init__.py")], capture_output=True, text=True,
                            cwd=ROOT / "client", timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
