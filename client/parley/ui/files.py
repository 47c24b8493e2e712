"""Drawing pictures and files: a file message's body (a thumbnail that opens full size, or a card with name,
size and a download button), the rows of uploads in progress (progress, cancel, retry) and the picture viewer.
Pictures are drawn from object URLs the widget fetched with its token (parley.uploads), never from a URL that
carries a credential."""

import asyncio

from parley import files as F
from parley import uploads
from parley.ui.dom import el, icon

_tasks = []  # fetches in flight (a task without a reference may be collected before it ends)


def _load(client, img, file_id, thumb):
    async def run():
        try:
            img.src = await uploads.object_url(client, file_id, thumb)
        except Exception:  # the file is gone, or the network: the alt text stays
            img.classList.add("p-broken")

    _tasks[:] = [task for task in _tasks if not task.done()]  # MicroPython's tasks have no done callbacks
    _tasks.append(asyncio.create_task(run()))


def picture(client, data, t, thumb=True):
    """An <img> of a file message's picture, its source filled in when fetched."""
    width, height = F.thumb_box(data)
    img = el("img", {"class_": "p-thumb-img", "alt": data.get("name") or "", "width": str(width),
                     "height": str(height), "draggable": "false"})
    cached = uploads.cached_url(data["id"], thumb)
    if cached:
        img.src = cached
    else:
        _load(client, img, data["id"], thumb)
    return img


def message_body(client, data, t, lang):
    """What a ``file`` message shows."""
    name = data.get("name") or "file"
    if F.is_picture(data):
        return el("button", {"type": "button", "class_": "p-thumb", "data-action": "file-open",
                             "data-arg": str(data["id"]), "data-name": name, "aria-label": t("open_image", name=name)},
                  picture(client, data, t))
    return el("div", {"class_": "p-file"},
              el("span", {"class_": "p-file-name"}, name),
              el("span", {"class_": "p-file-size"}, F.human_size(data.get("size") or 0, lang)),
              el("button", {"type": "button", "class_": "p-icon p-file-save", "data-action": "file-save",
                            "data-arg": str(data["id"]), "data-name": name, "aria-label": t("download", name=name),
                            "title": t("download", name=name)}, icon("download")))


def upload_row(item, t, lang):
    """One upload in progress or failed: name, progress bar or reason, cancel / retry."""
    if item.state == "failed":
        values = dict(item.error_values or {})
        if "max" in values:
            values["max"] = F.human_size(values["max"], lang)
        values["name"] = item.name
        reason = t(item.error or "file_failed", **values)
        return el("li", {"class_": "p-upload p-upload-failed", "data-key": item.key},
                  el("span", {"class_": "p-upload-name", "role": "alert"},
                     t("upload_failed", name=item.name, reason=reason)),
                  el("button", {"type": "button", "class_": "p-link", "data-action": "upload-retry",
                                "data-arg": item.key, "aria-label": t("retry_upload", name=item.name)}, t("retry")),
                  el("button", {"type": "button", "class_": "p-link", "data-action": "upload-cancel",
                                "data-arg": item.key, "aria-label": t("cancel_upload", name=item.name)}, t("cancel")))
    percent = int(item.progress * 100)
    return el("li", {"class_": "p-upload", "data-key": item.key},
              el("span", {"class_": "p-upload-name"}, t("uploading", name=item.name)),
              el("progress", {"class_": "p-progress", "max": "100", "value": str(percent),
                              "aria-label": t("uploading", name=item.name)}),
              el("button", {"type": "button", "class_": "p-link", "data-action": "upload-cancel",
                            "data-arg": item.key, "aria-label": t("cancel_upload", name=item.name)}, t("cancel")))


def viewer(client, file_id, name, t):
    """The in-panel viewer of a picture at full size (Escape or the button closes it)."""
    img = el("img", {"class_": "p-viewer-img", "alt": name})
    cached = uploads.cached_url(file_id, False)
    if cached:
        img.src = cached
    else:
        _load(client, img, file_id, False)
    return el("div", {"class_": "p-viewer", "role": "dialog", "aria-modal": "true", "aria-label": name},
              img,
              el("div", {"class_": "p-viewer-bar"},
                 el("button", {"type": "button", "class_": "p-link", "data-action": "file-save",
                               "data-arg": str(file_id), "data-name": name}, t("download", name=name)),
                 el("button", {"type": "button", "class_": "p-link", "data-action": "viewer-close",
                               "aria-label": t("close_image")}, t("close_image"))))
