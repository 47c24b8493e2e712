"""The visitor's uploads in progress, for the widget and the library (browser I/O through parley.uploads):
start one (checked against the site's limits first), follow its progress, cancel, retry; once the server has
it, it is sent as a ``file`` message through the client's outbox, so the ack/resend path is the text's."""

import asyncio

from parley import files as F
from parley import uploads
from parley.errors import ParleyError

EV_UPLOADS = "uploads"  # the uploads of a conversation changed (value: its id)


class Attachments:
    """Uploads of one client; ``on_change(conv_id)`` is called whenever one moves."""

    def __init__(self, client, on_change=None):
        self.client = client
        self.on_change = on_change
        self.items = []  # Upload objects not yet sent (uploading or failed)
        self.policy = None  # {"files", "max_bytes"} from GET /files/policy, once
        self._count = 0

    def of(self, conv_id):
        """The uploads shown in a conversation."""
        return [item for item in self.items if item.conv_id == conv_id]

    def _changed(self, conv_id):
        if self.on_change is not None:
            self.on_change(conv_id)

    async def limits(self):
        """The site's limits (asked once; the server checks again anyway)."""
        if self.policy is None:
            try:
                self.policy = await self.client.api("GET", "/files/policy")
            except ParleyError:
                return {"files": "all", "max_bytes": 0}
        return self.policy

    async def add(self, conv_id, file, name=None):
        """Upload a JS File/Blob to a conversation and send it; returns the message's cid, or None when the
        upload is refused or fails (the Upload stays listed as failed, with its reason, for a retry)."""
        name = str(name or getattr(file, "name", "") or "file")
        size = int(file.size)
        kind = str(getattr(file, "type", "") or "")
        refused = F.refusal(name, size, kind, await self.limits())
        self._count += 1
        item = uploads.Upload("u" + str(self._count), conv_id, file, name, size)
        self.items.append(item)
        if refused is not None:
            item.state, item.error, item.error_values = "failed", refused[0], refused[1]
            self._changed(conv_id)
            return None
        return await self._run(item)

    async def _run(self, item):
        item.state, item.progress, item.error = "uploading", 0.0, ""
        self._changed(item.conv_id)

        def progress(loaded, total):
            item.progress = min(1.0, loaded / total) if total else 0.0
            self._changed(item.conv_id)

        try:
            info = await uploads.send(self.client, item, progress)
        except ParleyError as error:
            if item.state == "cancelled" or error.code == "cancelled":
                self._drop(item)
                return None
            item.state, item.error = "failed", F.upload_error_key(error.code)
            self._changed(item.conv_id)
            return None
        self._drop(item)
        return self.client.send_file(item.conv_id, info)

    def _drop(self, item):
        self.items = [other for other in self.items if other is not item]
        self._changed(item.conv_id)

    def cancel(self, key):
        """Stop an upload in progress, or forget a failed one."""
        for item in self.items:
            if item.key == key:
                if item.state == "uploading":
                    item.cancel()
                else:
                    self._drop(item)
                return

    def retry(self, key):
        """Upload a failed one again; returns the task."""
        for item in self.items:
            if item.key == key and item.state == "failed":
                return asyncio.create_task(self._run(item))
        return None


def file_frame_data(info):
    """The data of a ``file`` send from the server's answer to the upload (the server rewrites it anyway)."""
    data = {"id": info["id"]}
    for name in ("name", "size", "type", "image", "w", "h", "tw", "th"):
        if info.get(name) is not None:
            data[name] = info[name]
    return data
