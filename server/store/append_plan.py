"""The database-free part of a batched append: validation, the pre-checks, positions and the answers.

Every write path uses it: the async one (``append_generic.append_batch``: in-memory SQLite),
SQLite's one-hop writer (``sqlite_messages``) and PostgreSQL's one-statement append (``pg_messages``). The
first two read the facts and let ``Plan.assign`` decide; on PostgreSQL the server-side function
``parley_append`` (migration 0002) applies the same rules in the same order and ``Plan.settle`` turns its
per-message outcome into the same results. The semantics (dedup per (sender, client id), gapless positions,
membership and block checks, one result per message, in order) are written here and in that function only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import records
from .content import check_client_id, check_content
from .errors import Blocked, Conflict, NotMember, StoreError
from .rows import message_record

Checked = tuple[int, records.NewMessage, str, dict[str, Any] | None]
# A message's outcome decided by the database: (status, id, position, the stored row for STORED).
Outcome = tuple[int, int | None, int | None, Mapping[str, Any] | None]
NEW, NOT_MEMBER, STORED, BLOCKED = 0, 1, 2, 3


class Facts:
    """What a batch's checks need, read under the write lock: last positions, kinds, the members that
    matter (senders; both sides of direct conversations), blocked pairs (both directions) and the stored
    messages with the batch's (sender, client id) pairs (rows with the messages table's columns)."""

    __slots__ = ("blocked", "kinds", "last", "members", "stored")

    def __init__(self) -> None:
        self.last: dict[int, int] = {}
        self.kinds: dict[int, str] = {}
        self.members: dict[int, list[int]] = {}
        self.blocked: set[tuple[int, int]] = set()
        self.stored: dict[tuple[int, str], Mapping[Any, Any]] = {}

    def add_member(self, conv_id: int, kind: str, last_position: int, user_id: int) -> None:
        """One row of the conversations x members read."""
        self.last[conv_id] = int(last_position)
        self.kinds[conv_id] = kind
        self.members.setdefault(conv_id, []).append(user_id)

    def direct_users(self) -> set[int]:
        """Members of the batch's direct conversations (whose blocks matter)."""
        return {uid for conv_id, kind in self.kinds.items() if kind == "direct" for uid in self.members[conv_id]}

    def add_block(self, a: int, b: int) -> None:
        self.blocked.add((a, b))
        self.blocked.add((b, a))


def message_row(
    new: records.NewMessage, text: str, data: dict[str, Any] | None, position: int, now: int
) -> dict[str, Any]:
    """The messages row of a new message (without its id) at ``position``."""
    return {"conversation_id": new.conversation_id, "position": position, "sender_id": new.sender_id,
            "client_id": new.client_id, "kind": new.kind, "text": text, "data": data, "created_at": now}


class Plan:
    """A batch after validation and the pre-checks: ``rows`` to insert (``slots``: their result index),
    later copies within the batch (result index -> row index) and a result per message decided so far."""

    __slots__ = ("batch", "checked", "copies", "results", "rows", "slots")

    def __init__(self, batch: Sequence[records.NewMessage]) -> None:
        self.batch = batch
        self.results: list[records.AppendResult | None] = [None] * len(batch)
        self.checked: list[Checked] = []
        self.rows: list[dict[str, Any]] = []
        self.slots: list[int] = []
        self.copies: dict[int, int] = {}
        for i, new in enumerate(batch):
            try:
                check_client_id(new.client_id)
                text, data = check_content(new.kind, new.text, new.data)
            except StoreError as exc:
                self.results[i] = records.AppendResult(None, False, exc)
            else:
                self.checked.append((i, new, text, data))

    def keys(self) -> tuple[list[int], list[int], list[str]]:
        """Sorted conversation, sender and client ids of the valid messages (for the facts' reads)."""
        return (
            sorted({new.conversation_id for _, new, _, _ in self.checked}),
            sorted({new.sender_id for _, new, _, _ in self.checked}),
            sorted({new.client_id for _, new, _, _ in self.checked}),
        )

    def pairs(self) -> list[tuple[int, str]]:
        """Sorted (sender id, client id) pairs of the valid messages: the stored duplicates to look up. Asked
        for as exact pairs: ``sender_id IN (...) AND client_id IN (...)`` would probe the unique index once per
        sender x client id (hundreds of thousands of probes for a batch of a few hundred)."""
        return sorted({(new.sender_id, new.client_id) for _, new, _, _ in self.checked})

    def assign(self, facts: Facts, now: int) -> None:
        """Run the checks and give each new message the next position of its conversation."""
        fresh: dict[tuple[int, str], int] = {}  # client ids first sent in this batch -> their row
        last = facts.last
        for i, new, text, data in self.checked:
            key = (new.sender_id, new.client_id)
            try:
                conv_members = facts.members.get(new.conversation_id, ())
                if new.sender_id not in conv_members:
                    raise not_member()
                row = facts.stored.get(key)
                if row is not None:
                    self.results[i] = records.AppendResult(same(message_record(row), new), False)
                    continue
                earlier = fresh.get(key)
                if earlier is not None:
                    self.copies[i] = earlier
                    continue
                if facts.kinds[new.conversation_id] == "direct" and any(
                    (new.sender_id, other) in facts.blocked for other in conv_members if other != new.sender_id
                ):
                    raise blocked()
            except StoreError as exc:
                self.results[i] = records.AppendResult(None, False, exc)
                continue
            last[new.conversation_id] += 1
            fresh[key] = len(self.rows)
            self.slots.append(i)
            self.rows.append(message_row(new, text, data, last[new.conversation_id], now))

    def created(self, ids: Mapping[tuple[int, int], int]) -> tuple[list[tuple[int, int]], list[tuple[int, int, int]]]:
        """Record the inserted rows (``ids``: (conversation, position) -> id); returns the conversations'
        new last positions and the senders' read positions, as (conversation, last) and (conv, user, pos)."""
        made = [message_record({"id": ids[(row["conversation_id"], row["position"])], **row}) for row in self.rows]
        for i, record in zip(self.slots, made, strict=True):
            self.results[i] = records.AppendResult(record, True)
        touched: dict[int, int] = {}
        reads: dict[tuple[int, int], int] = {}
        for record in made:
            touched[record.conversation_id] = record.position
            reads[(record.conversation_id, record.sender_id or 0)] = record.position
        for i, row_index in self.copies.items():  # later copies answer with the first one's record
            try:
                self.results[i] = records.AppendResult(same(made[row_index], self.batch[i]), False)
            except StoreError as exc:
                self.results[i] = records.AppendResult(None, False, exc)
        return sorted(touched.items()), [(conv, user, pos) for (conv, user), pos in sorted(reads.items())]

    def settle(self, outcomes: Sequence[Outcome], now: int) -> None:
        """Take the database's decision for each checked message, in order (PostgreSQL's ``parley_append``):
        ``(status, id, position, stored)`` with status NEW (id and position of the inserted row), STORED
        (``stored``: the row already stored under this sender and client id, earlier in the batch or
        before), NOT_MEMBER or BLOCKED."""
        for (i, new, text, data), (status, id_, position, stored) in zip(self.checked, outcomes, strict=True):
            try:
                if status == NEW and position is not None:  # NEW always carries the row's id and position
                    row = {"id": id_, **message_row(new, text, data, position, now)}
                    self.results[i] = records.AppendResult(message_record(row), True)
                elif status == STORED and stored is not None:
                    self.results[i] = records.AppendResult(same(message_record(stored), new), False)
                elif status == NOT_MEMBER:
                    raise not_member()
                elif status == BLOCKED:
                    raise blocked()
                else:
                    raise RuntimeError(f"unknown append outcome {status!r}")
            except StoreError as exc:
                self.results[i] = records.AppendResult(None, False, exc)

    def answers(self) -> list[records.AppendResult]:
        """One result per message of the batch, in order."""
        return [r if r is not None else records.AppendResult(None, False, None) for r in self.results]


def not_member() -> NotMember:
    return NotMember("no such conversation")


def blocked() -> Blocked:
    return Blocked("you cannot send messages to this user")


def same(found: records.MessageRecord, new: records.NewMessage) -> records.MessageRecord:
    """The stored message a resend refers to, or Conflict when its client id was used elsewhere."""
    if found.conversation_id != new.conversation_id:
        raise Conflict("this client_id was already used for a message in another conversation")
    return found
