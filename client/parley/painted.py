"""The panel painted before Python was up (browser I/O, thin): what the visitor did in it, taken over.

On a re-entry the copy-paste frame's boot script (client/static/frame-boot.js) paints the panel's last drawing
(kept with the place, parley.place.paint_of) into #parley-root at once and marks it ``data-state="painted"``;
its message box accepts input, and an Enter there queues the text in the root's ``data-early`` attribute.
When the live widget draws for the first time, ``take`` reads all of it so that nothing typed is lost.
"""

import json


def take(root):
    """{"conv", "sends" (texts sent before Python was up, in order), "typed" (the box was written in),
    "text" (what the box holds), "focused"} from a painted root, or None when nothing was painted."""
    if root.getAttribute("data-state") != "painted":
        return None
    try:
        early = json.loads(str(root.getAttribute("data-early") or "{}"))
    except ValueError:
        early = {}
    sends = early.get("sends") if isinstance(early, dict) else None
    box = root.querySelector("textarea")
    return {
        "conv": early.get("conv") if isinstance(early, dict) else None,
        "sends": [text for text in sends if isinstance(text, str)] if isinstance(sends, list) else [],
        "typed": bool(early.get("typed")) if isinstance(early, dict) else False,
        "text": str(box.value) if box else "",
        "focused": bool(box.matches(":focus")) if box else False,
    }


def unsent(early):
    """What the visitor wrote in the painted panel that the live widget could not take over (it did not open
    the painted conversation: no longer theirs, or the sign-in ended): the texts sent with Enter there (never
    sent: they were only shown on their way), then what the box still held, in order, blank ones left out."""
    texts = [text for text in early["sends"] if text.strip()]
    if early["typed"] and early["text"].strip():
        texts.append(early["text"])
    return texts
