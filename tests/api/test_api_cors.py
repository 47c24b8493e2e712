"""CORS of /api/v1 (ApiCors): a bearer request from a browser is answered only from the token's site's registered
origins (or Parley's own); any other Origin is refused (403, the API's error shape, no Access-Control-Allow-Origin)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from server.api import api_router, install_error_handlers
from server.broker.memory import MemoryBroker
from server.invite_codes import InviteCodes
from server.oauth.dpop_check import DpopChecker
from server.settings import Settings
from server.widget.inline import install_api_cors
from tests.support.store_data import add_access_token, make_user

pytestmark = pytest.mark.anyio
PARLEY = "https://parley.example"
SITE = "https://site.example"  # the origin add_access_token registers
TOKEN = {"Authorization": "Bearer tok-cors"}


@pytest.fixture
async def client(store) -> AsyncIterator[httpx.AsyncClient]:
    user = await make_user(store, "corsy")
    await add_access_token(store, user.id, "tok-cors")
    app = FastAPI()
    app.state.store = store
    app.state.settings = Settings(public_url=PARLEY, secret_key="k")
    app.state.dpop = DpopChecker(PARLEY, "k", MemoryBroker())
    app.state.invite_codes = InviteCodes("k")
    app.include_router(api_router())
    install_error_handlers(app)
    install_api_cors(app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PARLEY + "/api/v1") as http:
        yield http


async def test_the_token_works_from_its_sites_origin(client):
    response = await client.get("/me", headers={**TOKEN, "Origin": SITE})
    assert response.status_code == 200 and response.json()["username"] == "corsy"
    assert response.headers["access-control-allow-origin"] == SITE
    own = await client.get("/me", headers={**TOKEN, "Origin": PARLEY})
    assert own.status_code == 200 and own.headers["access-control-allow-origin"] == PARLEY


@pytest.mark.parametrize("origin", ["https://evil.example", "http://site.example", "https://site.example:8443", "null"])
async def test_the_same_token_from_another_origin_is_refused(client, origin):
    for method, path, body in (("GET", "/me", None), ("POST", "/friends/requests", {"username": "nobody"})):
        response = await client.request(method, path, json=body, headers={**TOKEN, "Origin": origin})
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "origin_not_allowed"
        assert set(response.json()["error"]) == {"code", "message"}
        assert "access-control-allow-origin" not in response.headers


async def test_dpop_requests_keep_to_the_sites_origins_and_may_read_the_nonce(client):
    dpop = {"Authorization": "DPoP tok-cors"}
    refused = await client.get("/me", headers={**dpop, "Origin": "https://evil.example"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "origin_not_allowed"
    answered = await client.get("/me", headers={**dpop, "Origin": SITE})  # no proof: 401, readable by the site
    assert answered.status_code == 401 and answered.headers["access-control-allow-origin"] == SITE
    assert answered.headers["access-control-expose-headers"] == "DPoP-Nonce" and answered.headers["dpop-nonce"]
    preflight = await client.options("/me", headers={"Origin": SITE, "Access-Control-Request-Method": "GET",
                                                     "Access-Control-Request-Headers": "authorization, dpop"})
    assert "DPoP" in preflight.headers["access-control-allow-headers"]


async def test_requests_without_an_origin_keep_working(client):
    response = await client.get("/me", headers=TOKEN)
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers


async def test_an_unknown_token_is_answered_401_readably(client):
    """The page must see its token expired (to refresh it): the 401 carries the CORS header, and says nothing."""
    response = await client.get("/me", headers={"Authorization": "Bearer expired", "Origin": "https://evil.example"})
    assert response.status_code == 401
    assert response.headers["access-control-allow-origin"] == "https://evil.example"


async def test_preflights_state_methods_for_well_formed_origins_only(client):
    asked = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    ok = await client.options("/me", headers={**asked, "Origin": SITE})
    assert ok.status_code == 204 and ok.headers["access-control-allow-origin"] == SITE
    bad = await client.options("/me", headers={**asked, "Origin": "null"})
    assert "access-control-allow-origin" not in bad.headers


async def test_only_an_invites_signed_out_preview_is_readable_from_any_origin(client):
    preview = await client.get("/invites/1.forged", headers={"Origin": "https://anywhere.example"})
    assert preview.status_code == 404 and preview.headers["access-control-allow-origin"] == "*"
    for path in ("/me", "/friends", "/invites"):  # no credential: nothing else is shared with another origin
        answer = await client.get(path, headers={"Origin": "https://anywhere.example"})
        assert "access-control-allow-origin" not in answer.headers, path
    accept = await client.post("/invites/1.forged/accept", headers={"Origin": "https://anywhere.example"})
    assert "access-control-allow-origin" not in accept.headers
