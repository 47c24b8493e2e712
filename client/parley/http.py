"""JSON over fetch for the widget (browser I/O): one place that turns HTTP failures into parley.ParleyError
(code: the server's machine-readable code, or 'network', 'http_<status>')."""

import json

from pyscript import fetch

from parley.errors import ParleyError

USE_NONCE = "use_dpop_nonce"  # the error asking for a DPoP proof with the server's fresh nonce


def transient(error):
    """Whether a failed call may succeed later as it is: no network, or the server overloaded or restarting.
    Anything else (4xx) is the server's answer, e.g. a sign-in that is no longer valid."""
    return error.code == "network" or error.status >= 500 or error.status == 429


async def fetch_answer(url, **options):
    """(status, body text, DPoP-Nonce header or "") of one fetch. Failing to connect and failing to read the
    whole body (the connection dropped mid-answer, the visitor went offline) both raise ParleyError('network'):
    the browser's own TypeError("Failed to fetch") never reaches callers, which catch ParleyError."""
    try:
        response = await fetch(url, **options)
        status = int(response.status)
        text = "" if status == 204 else str(await response.text())
        nonce = response.headers.get("DPoP-Nonce")
    except Exception as error:
        raise ParleyError("network", "network error: " + str(error)) from None
    return status, text, str(nonce) if nonce else ""


async def fetch_text(url, **options):
    """(status, body text) of one fetch; see fetch_answer."""
    status, text, _nonce = await fetch_answer(url, **options)
    return status, text


def asks_nonce(status, text):
    """Whether an answer asks for a DPoP proof with the server's fresh nonce (RFC 9449 §8, §9)."""
    return status in (400, 401) and '"' + USE_NONCE + '"' in text


async def dpop_fetch(dpop, method, url, options, token=""):
    """(status, text) of a fetch carrying a DPoP proof made by `dpop` (parley.dpop.Dpop), once more with a
    fresh proof when the server asks for its new nonce."""
    headers = options["headers"]
    for attempt in (1, 2):
        headers["DPoP"] = await dpop.proof(method, url, token)
        status, text, nonce = await fetch_answer(url, **options)
        dpop.saw(nonce)
        if attempt == 1 and nonce and asks_nonce(status, text):
            continue
        return status, text


async def request(method, url, body=None, token=None, credentials="same-origin", headers=None, dpop=None):
    """Send a JSON request; return the decoded JSON body (None for 204) or raise ParleyError. With `dpop`
    (parley.dpop.Dpop), the request carries a DPoP proof and `token` goes as `Authorization: DPoP`."""
    sent = {"Accept": "application/json"}
    if headers:
        sent.update(headers)
    if token:
        sent["Authorization"] = ("DPoP " if dpop is not None else "Bearer ") + token
    options = {"method": method, "headers": sent, "credentials": credentials}
    if body is not None:
        sent["Content-Type"] = "application/json"
        options["body"] = json.dumps(body)
    if dpop is not None:
        status, text = await dpop_fetch(dpop, method, url, options, token or "")
    else:
        status, text = await fetch_text(url, **options)
    if status == 204:
        return None
    data = None
    if text:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
    if 200 <= status < 300:
        return data
    error = (data or {}).get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        raise ParleyError(str(error.get("code") or f"http_{status}"), str(error.get("message") or ""), status)
    if isinstance(data, dict) and data.get("error"):  # OAuth style {"error": "...", "error_description": "..."}
        raise ParleyError(str(data["error"]), str(data.get("error_description") or ""), status)
    raise ParleyError(f"http_{status}", f"HTTP {status}", status)
