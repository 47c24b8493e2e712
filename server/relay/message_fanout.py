"""What a changed message tells whom, in every process: one ``changed`` frame (its current state), encoded
once and published to every member's user channel (their every socket, the changer's own included). The one
publishing function for changes made through the relay (``edit``, ``delete``, ``react``) and through the JSON
API (``Hub.message_changed``, the app's hook)."""

from __future__ import annotations

from parley import protocol as P

from ..store import MessageRecord
from .fanout import Fanout
from .frames import message_fields


async def publish_changed(fanout: Fanout, message: MessageRecord) -> None:
    """Tell every member of the message's conversation its current state, in every process."""
    frame = P.make_changed(message.conversation_id, message.change, message_fields(message))
    await fanout.to_members(message.conversation_id, frame)
