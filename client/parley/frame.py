"""Entry point of the copy-paste widget's frame page (runs under PyScript in the Parley-origin iframe)."""

import json

from pyscript import document

from parley import bridge, runtime


def read_config():
    """The frame page's JSON config (site, host origin, theme, URLs), written by the server."""
    node = document.getElementById("parley-config")
    return json.loads(node.textContent)


async def main():
    """Boot the widget in the frame and tell the host page it is ready."""
    config = read_config()
    bridge.start(config["host_origin"])
    root = document.getElementById("parley-root")
    root.setAttribute("data-runtime", runtime.name())
    status = document.getElementById("parley-status")
    status.textContent = "Ready"
    root.setAttribute("data-state", "ready")
    bridge.post("ready", runtime=runtime.name())
