"""JSON over fetch for the widget (browser I/O): one place that turns HTTP failures into ParleyError."""

import json

from pyscript import fetch


class ParleyError(Exception):
    """An API call failed. `code` is the server's machine-readable code (or 'network', 'http_<status>')."""

    def __init__(self, code, message="", status=0):
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.status = status


async def request(method, url, body=None, token=None, credentials="same-origin", headers=None):
    """Send a JSON request; return the decoded JSON body (None for 204) or raise ParleyError."""
    sent = {"Accept": "application/json"}
    if headers:
        sent.update(headers)
    if token:
        sent["Authorization"] = "Bearer " + token
    options = {"method": method, "headers": sent, "credentials": credentials}
    if body is not None:
        sent["Content-Type"] = "application/json"
        options["body"] = json.dumps(body)
    try:
        response = await fetch(url, **options)
    except Exception as error:
        raise ParleyError("network", "network error: " + str(error)) from None
    status = int(response.status)
    if status == 204:
        return None
    text = await response.text()
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
