"""DPoP in the real widget, both runtimes: the copy-paste frame and an inline page sign in and chat with tokens
bound to their page's non-extractable key, and a token read out of either page and replayed from elsewhere
(httpx, a websockets hello) is refused."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
import websockets

from tests.browser.widget import sign_in_inline, visit
from tests.servers import DemoServer

RUNTIMES = ["micropython", "pyodide"]


class Seen:
    """The widget's requests (URL, Authorization, whether a DPoP proof went with it) and its hello frames."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, bool]] = []
        self.hellos: list[dict[str, Any]] = []

    async def on_request(self, request: Any) -> None:
        headers = await request.all_headers()
        self.requests.append((request.url, headers.get("authorization", ""), "dpop" in headers))

    def on_websocket(self, socket: Any) -> None:
        def sent(payload: Any) -> None:
            frame = json.loads(payload) if isinstance(payload, str) else {}
            if frame.get("t") == "hello":
                self.hellos.append(frame)

        socket.on("framesent", sent)

    def watch(self, page: Any) -> None:
        page.on("request", self.on_request)
        page.on("websocket", self.on_websocket)

    def to(self, path: str) -> list[tuple[str, str, bool]]:
        return [seen for seen in self.requests if path in seen[0]]


async def hello_code(ws_url: str, frame: dict[str, Any]) -> int | None:
    """Say `frame` as hello from outside the browser; the close code (None if it was welcomed)."""
    async with websockets.connect(ws_url, open_timeout=10) as socket:
        await socket.send(json.dumps(frame))
        try:
            while True:
                if json.loads(await socket.recv()).get("t") == "welcome":
                    return None
        except websockets.ConnectionClosed:
            return socket.close_code


async def assert_stolen_token_is_useless(demo: DemoServer, hello: dict[str, Any]) -> None:
    """The access token (and its proof) of a hello the widget sent, replayed by someone without the key."""
    token, proof = hello["token"], hello["dpop"]
    ws_url = demo.parley_url.replace("http", "ws", 1) + "/v1/ws"
    async with httpx.AsyncClient(base_url=demo.parley_url) as http:
        assert (await http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401
        as_dpop = await http.get("/api/v1/me", headers={"Authorization": f"DPoP {token}", "DPoP": proof})
        assert as_dpop.status_code == 401  # that proof is for the socket (and was used already)
    assert await hello_code(ws_url, {"t": "hello", "v": 1, "token": token}) == 4001
    assert await hello_code(ws_url, {"t": "hello", "v": 1, "token": token, "dpop": proof}) == 4001  # replayed


@pytest.mark.anyio
@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_bound_tokens_in_both_modes_and_stolen_ones_refused(demo: DemoServer, new_context: Any,
                                                                 runtime: str) -> None:
    # bob: inline page (persist="session": the key waits in IndexedDB, the tokens in sessionStorage)
    bob_seen = Seen()
    bob = await (await new_context()).new_page()
    bob_seen.watch(bob)
    await bob.goto(f"{demo.host_url}/inline?runtime={runtime}")
    chat = bob.locator("#chat")
    await chat.locator("#parley-root[data-state=ready]").wait_for(timeout=60000)
    await sign_in_inline(bob, "bob")

    # alice: the copy-paste widget (its frame makes a key per frame page)
    alice_context = await new_context()
    alice_seen = Seen()
    alice_context.on("page", alice_seen.watch)
    alice = await visit(alice_context, demo, runtime)
    await alice.open_signed_in("alice")
    await alice.open_chat_with("Bob Okafor")
    stamp = str(time.time_ns())
    await alice.say(f"bound {stamp}")
    await chat.get_by_role("list", name="Friends").get_by_role("button", name="Alice Martin").first.click()
    await chat.get_by_role("log", name="Messages").get_by_text(f"bound {stamp}").wait_for(timeout=15000)

    # what the widgets sent: proofs with every token request, DPoP (never Bearer) with every token use
    assert bob_seen.to("/oauth/token") and all(proof for _, _, proof in bob_seen.to("/oauth/token"))
    assert alice_seen.to("/frame/session") and all(proof for url, _, proof in alice_seen.to("/frame/session")
                                                   if not url.endswith("/end") and "/kept" not in url)
    api = bob_seen.to("/api/v1/") + alice_seen.to("/api/v1/")
    assert bob_seen.to("/api/v1/me")
    assert all(auth.startswith("DPoP ") and proof for _, auth, proof in api), api
    for seen in (alice_seen, bob_seen):
        assert seen.hellos and all(hello.get("dpop") for hello in seen.hellos)

    kept = await bob.evaluate("""() => Object.keys(sessionStorage).filter((k) => k.startsWith("parley."))
                                   .map((k) => [k, sessionStorage.getItem(k)])""")
    access = next(json.loads(value) for key, value in kept if key.startswith("parley.access."))
    refresh = next(value for key, value in kept if key.startswith("parley.refresh."))
    assert access["type"] == "DPoP"
    client_id = next(key for key, _ in kept if key.startswith("parley.refresh.")).removeprefix("parley.refresh.")
    # the refresh token read out of sessionStorage: useless without the key in the page's IndexedDB
    stolen = httpx.post(demo.parley_url + "/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": refresh, "client_id": client_id})
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_dpop_proof"

    await assert_stolen_token_is_useless(demo, bob_seen.hellos[-1])
    await assert_stolen_token_is_useless(demo, alice_seen.hellos[-1])
    assert bob_seen.hellos[-1]["token"] == access["token"]

    # the widgets still work after the theft attempts: both tokens were refused without effect
    await alice.say(f"still {stamp}")
    await chat.get_by_role("log", name="Messages").get_by_text(f"still {stamp}").wait_for(timeout=15000)
