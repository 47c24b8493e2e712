"""SQLite's batched append as one plain synchronous function, run in the writer thread in one hop.

The same statements as ``append_generic.append_batch`` (three reads, one multi-row INSERT ... RETURNING, one
UPDATE per conversation, one for the senders' read positions) in plain SQL on a stdlib sqlite3 connection,
inside the writer's BEGIN IMMEDIATE transaction; the checks and positions come from ``append_plan``.
Values are stored as SQLAlchemy stores them (``data`` as json.dumps text, None as 'null').
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from .append_plan import Facts, Plan

MESSAGE_COLUMNS = ("id", "conversation_id", "position", "sender_id", "client_id", "kind", "text", "data", "created_at")
INSERT_COLUMNS = MESSAGE_COLUMNS[1:]
PAIRS_CHUNK = 1000  # (sender, client id) pairs per duplicate lookup: 2 parameters each
INSERT_CHUNK = 500  # rows per INSERT: 8 parameters each, well under SQLite's 32,766 variables


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def stored_query(pairs: int) -> str:
    """SQL for the stored messages of ``pairs`` (sender id, client id) parameter pairs: one search of the
    unique index per pair. A row-value ``IN (VALUES ...)`` would make SQLite scan the whole index, a cost
    that grows with every message ever stored; CROSS JOIN keeps the pairs as the outer loop."""
    return (
        f"WITH wanted(sender_id, client_id) AS (VALUES {', '.join(['(?, ?)'] * pairs)})"
        f" SELECT {', '.join('m.' + name for name in MESSAGE_COLUMNS)} FROM wanted CROSS JOIN messages AS m"
        " ON m.sender_id = wanted.sender_id AND m.client_id = wanted.client_id"
    )


def stored_record(row: Sequence[Any]) -> dict[str, Any]:
    """A row of ``stored_query`` as the column mapping ``append_plan.Facts.stored`` holds."""
    stored: dict[str, Any] = dict(zip(MESSAGE_COLUMNS, row, strict=True))
    stored["data"] = json.loads(stored["data"]) if stored["data"] is not None else None
    return stored


def read_facts(conn: sqlite3.Connection, plan: Plan) -> Facts:
    """The facts of ``append_plan.Facts`` for the plan's valid messages (the write lock is held)."""
    conv_ids, sender_ids, _ = plan.keys()
    facts = Facts()
    rows = conn.execute(
        "SELECT c.id, c.kind, c.last_position, m.user_id FROM conversations AS c"
        " JOIN members AS m ON m.conversation_id = c.id"
        f" WHERE c.id IN ({_marks(len(conv_ids))}) AND (c.kind = 'direct' OR m.user_id IN ({_marks(len(sender_ids))}))"
        " ORDER BY c.id",
        [*conv_ids, *sender_ids],
    )
    for conv_id, kind, last_position, user_id in rows:
        facts.add_member(conv_id, kind, last_position, user_id)
    users = sorted(facts.direct_users())
    if users:
        wanted = set(users)
        rows = conn.execute(  # one primary-key range per user, not one probe per pair of users
            f"SELECT user_id, other_id FROM friendships WHERE state = 'blocked' AND user_id IN ({_marks(len(users))})",
            users,
        )
        for a, b in rows:
            if b in wanted:
                facts.add_block(a, b)
    pairs = plan.pairs()
    for start in range(0, len(pairs), PAIRS_CHUNK):
        chunk = pairs[start : start + PAIRS_CHUNK]
        for row in conn.execute(stored_query(len(chunk)), [value for pair in chunk for value in pair]):
            stored = stored_record(row)
            facts.stored[(stored["sender_id"], stored["client_id"])] = stored
    return facts


def _insert(conn: sqlite3.Connection, rows: Sequence[dict[str, Any]]) -> dict[tuple[int, int], int]:
    ids: dict[tuple[int, int], int] = {}
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        values: list[Any] = []
        for row in chunk:
            values.extend(row[name] for name in INSERT_COLUMNS[:-2])
            data = row["data"]
            values.append("null" if data is None else json.dumps(data))  # json.dumps(None), without the call
            values.append(row["created_at"])
        cursor = conn.execute(
            f"INSERT INTO messages ({', '.join(INSERT_COLUMNS)}) VALUES "
            + ", ".join([f"({_marks(len(INSERT_COLUMNS))})"] * len(chunk))
            + " RETURNING id, conversation_id, position",
            values,
        )
        for id_, conv_id, position in cursor:
            ids[(conv_id, position)] = id_
    return ids


def append_batch(conn: sqlite3.Connection, plan: Plan, now: int) -> Plan:
    """Check, position and store the plan's messages inside the caller's write transaction."""
    if plan.checked:
        plan.assign(read_facts(conn, plan), now)
        if plan.rows:
            touched, reads = plan.created(_insert(conn, plan.rows))
            conn.executemany("UPDATE conversations SET last_position = ? WHERE id = ?", [(p, c) for c, p in touched])
            conn.executemany(
                "UPDATE members SET read_position = ? WHERE conversation_id = ? AND user_id = ? AND read_position < ?",
                [(pos, conv, user, pos) for conv, user, pos in reads],
            )
    return plan

