"""Pictures and files in the widget: the paperclip and its file picker, pasting a picture into the composer,
dropping files on the conversation, the upload rows (cancel, retry), opening a picture full size and saving a
file. Uploads go through parley.attachments, the same code the library's ``send_file`` uses."""

import asyncio

from pyscript import window

from parley import files as F
from parley import uploads
from parley.attachments import Attachments
from parley.ui import files as draw
from parley.ui.dom import el, replace


class FilesController:
    """Binds the widget's file actions; owns the uploads list row of the open conversation."""

    def __init__(self, widget):
        self.widget = widget
        self.attachments = Attachments(widget.client, on_change=self._changed)
        self.viewer = None
        self._tasks = []

    def bind(self, on):
        on("click", "attach", self._pick)
        on("change", "attach-input", self._picked)
        on("paste", "compose", self._paste)
        for action in ("log-scroll", "compose", "drop-zone"):
            on("dragover", action, self._drag_over)
            on("drop", action, self._drop)
        on("click", "upload-cancel", lambda arg, event, node: self.attachments.cancel(arg))
        on("click", "upload-retry", lambda arg, event, node: self.attachments.retry(arg))
        on("click", "file-open", self._open)
        on("click", "file-save", self._save)
        on("click", "viewer-close", lambda arg, event, node: self.close_viewer())
        on("keydown", "viewer", self._viewer_key)

    # -- starting uploads ------------------------------------------------------------------------------

    def _send_files(self, files):
        conv = self.widget.current_conv
        if conv is None or files is None:
            return
        count = int(files.length)
        for index in range(count):
            file = files.item(index)
            name = str(file.name or "")
            if not name:
                stamp = str(window.Date.new().toISOString())[:19].replace("T", " ").replace(":", ".")
                name = F.pasted_name(str(file.type or ""), stamp)
            self._tasks = [task for task in self._tasks if not task.done()]
            self._tasks.append(asyncio.create_task(self.attachments.add(conv, file, name)))

    def _pick(self, arg, event, node):
        picker = self.widget.panel.chat.file_input
        if picker is not None:
            picker.value = ""
            picker.click()

    def _picked(self, arg, event, node):
        self._send_files(node.files)

    def _paste(self, arg, event, node):
        data = event.clipboardData
        if not data or not data.files or int(data.files.length) == 0:
            return  # text: the browser pastes it
        event.preventDefault()
        self._send_files(data.files)

    def _drag_over(self, arg, event, node):
        event.preventDefault()  # allows the drop

    def _drop(self, arg, event, node):
        event.preventDefault()
        transfer = event.dataTransfer
        if transfer and transfer.files and int(transfer.files.length):
            self._send_files(transfer.files)

    # -- what is shown -----------------------------------------------------------------------------------

    def _changed(self, conv_id):
        if conv_id == self.widget.current_conv and self.widget.screen == "chat":
            self.render()

    def render(self):
        """Redraw the open conversation's upload rows."""
        row = self.widget.panel.chat.uploads
        if row is None:
            return
        items = self.attachments.of(self.widget.current_conv)
        replace(row, *[draw.upload_row(item, self.widget.t, self.widget.lang) for item in items])
        row.hidden = not items

    def _open(self, arg, event, node):
        self.close_viewer()
        name = str(node.getAttribute("data-name") or "")
        self.viewer = draw.viewer(self.widget.client, int(arg), name, self.widget.t)
        self.viewer.setAttribute("data-action", "viewer")
        self.viewer.setAttribute("tabindex", "-1")
        self.widget.panel.body.appendChild(self.viewer)
        self.viewer.focus()

    def close_viewer(self):
        """Close the picture viewer, if open."""
        if self.viewer is not None:
            self.viewer.remove()
            self.viewer = None

    def _viewer_key(self, arg, event, node):
        if str(event.key) == "Escape":
            event.stopPropagation()  # closes the picture, not the whole panel (copypaste.on_key)
            self.close_viewer()

    async def _save(self, arg, event, node):
        try:
            await uploads.save(self.widget.client, int(arg), str(node.getAttribute("data-name") or "file"))
        except Exception:
            self.widget.panel.show_notice(self.widget.t("file_failed"))


def attach_controls(t):
    """The paperclip button and its hidden file picker (the input is returned too, to be clicked)."""
    picker = el("input", {"type": "file", "multiple": True, "hidden": True, "data-action": "attach-input",
                          "class_": "p-file-input", "aria-hidden": "true", "tabindex": "-1"})
    from parley.ui.dom import icon

    button = el("button", {"type": "button", "class_": "p-icon p-attach", "data-action": "attach",
                           "aria-label": t("attach"), "title": t("attach")}, icon("attach"))
    return button, picker
