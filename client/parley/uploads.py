"""Pictures and files over HTTP (browser I/O): uploads with progress and cancel (XMLHttpRequest: fetch has no
upload progress), downloads as blobs drawn from object URLs of this document. The access token and its DPoP
proof go in headers, never in a URL, so no <img src> ever carries a credential; in the copy-paste frame the
bytes stay in the frame, on the Parley origin."""

import json

from pyscript import fetch, window
from pyscript.ffi import create_proxy

from parley.errors import ParleyError
from parley.http import asks_nonce


class Upload:
    """One file on its way: ``state`` is "uploading", "failed" or "done"; ``progress`` 0..1."""

    def __init__(self, key, conv_id, file, name, size):
        self.key = key
        self.conv_id = conv_id
        self.file = file  # the JS File or Blob
        self.name = name
        self.size = size
        self.state = "uploading"
        self.progress = 0.0
        self.error = ""  # why it failed: an i18n key (parley.files.upload_error_key)
        self.error_values = None  # that string's values
        self.xhr = None

    def cancel(self):
        """Abort the request (the server keeps nothing of a cut upload)."""
        self.state = "cancelled"
        if self.xhr is not None:
            self.xhr.abort()


async def _auth_headers(client, method, url):
    token = await client.auth.token()
    if token is None:
        raise ParleyError("not_signed_in", "sign in first")
    dpop = client.auth.token_dpop()
    if dpop is None:
        return {"Authorization": "Bearer " + token}, None
    return {"Authorization": "DPoP " + token, "DPoP": await dpop.proof(method, url, token)}, dpop


def _xhr_send(upload, url, headers, on_progress):
    """A JS promise of the status of the upload's XMLHttpRequest (0: it did not finish)."""
    xhr = window.XMLHttpRequest.new()
    upload.xhr = xhr

    def executor(resolve, reject):
        xhr.onloadend = create_proxy(lambda event: resolve(xhr.status))

    promise = window.Promise.new(create_proxy(executor))
    xhr.upload.onprogress = create_proxy(lambda event: on_progress(float(event.loaded), float(event.total or 1)))
    xhr.open("POST", url)
    for name in headers:
        xhr.setRequestHeader(name, headers[name])
    xhr.setRequestHeader("Content-Type", "application/octet-stream")
    xhr.send(upload.file)
    return promise


async def send(client, upload, on_progress):
    """Upload ``upload.file`` to its conversation; the server's record of it (id, name, size, type, image,
    w, h, tw, th) or ParleyError (code: the server's, "network" or "cancelled")."""
    url = (client.server + "/api/v1/conversations/" + str(upload.conv_id) + "/files?name="
           + str(window.encodeURIComponent(upload.name)) + "&size=" + str(upload.size))
    for attempt in (1, 2):
        headers, dpop = await _auth_headers(client, "POST", url)
        status = int(await _xhr_send(upload, url, headers, on_progress))
        xhr = upload.xhr
        text = str(xhr.responseText or "") if status else ""
        nonce = xhr.getResponseHeader("DPoP-Nonce") if status else None
        nonce = str(nonce) if nonce else ""
        if dpop is not None:
            dpop.saw(nonce)
        if attempt == 1 and dpop is not None and nonce and asks_nonce(status, text):
            continue
        break
    if status == 0:
        raise ParleyError("network" if upload.state != "cancelled" else "cancelled", "the upload did not finish")
    try:
        body = json.loads(text) if text else {}
    except ValueError:
        body = {}
    if 200 <= status < 300:
        return body
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else "http_" + str(status)
    raise ParleyError(str(code), str(error.get("message") if isinstance(error, dict) else ""), status)


_urls = {}  # "id" or "id/thumb" -> object URL, for the life of the page


def cached_url(file_id, thumb):
    """The object URL already made for this file (or its thumbnail), or None."""
    return _urls.get(str(file_id) + ("/thumb" if thumb else ""))


async def object_url(client, file_id, thumb=False):
    """An object URL of this document for a file's bytes (fetched once with the token and its proof)."""
    key = str(file_id) + ("/thumb" if thumb else "")
    if key in _urls:
        return _urls[key]
    url = client.server + "/api/v1/files/" + key
    for attempt in (1, 2):
        headers, dpop = await _auth_headers(client, "GET", url)
        try:
            response = await fetch(url, method="GET", headers=headers, credentials="omit")
        except Exception as error:
            raise ParleyError("network", "network error: " + str(error)) from None
        status = int(response.status)
        nonce = response.headers.get("DPoP-Nonce")
        if dpop is not None and nonce:
            dpop.saw(str(nonce))
        if attempt == 1 and dpop is not None and nonce and status in (400, 401):
            continue
        break
    if status != 200:
        raise ParleyError("http_" + str(status), "the file could not be fetched", status)
    blob = await response.blob()
    _urls[key] = str(window.URL.createObjectURL(blob))
    return _urls[key]


async def save(client, file_id, name):
    """Download a file to the visitor's disk under its name (an <a download> of its object URL)."""
    href = await object_url(client, file_id)
    link = window.document.createElement("a")
    link.href = href
    link.download = name
    link.rel = "noopener"
    link.style.display = "none"
    window.document.body.appendChild(link)
    link.click()
    link.remove()
