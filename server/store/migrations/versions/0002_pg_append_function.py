"""PostgreSQL: parley_append(), a whole batched append in one statement (one network round trip)

The relay acknowledges a message only once its transaction committed, so the append's latency is the round
trip. Run statement by statement (BEGIN, reads, INSERT, UPDATEs, COMMIT) that is eight network round trips;
as one call of this function in autocommit mode it is one, and the implicit transaction commits (WAL flushed,
synchronous_commit as configured) before the server answers. The semantics are those of
``server.store.append_plan`` (SQLite and the fallback path use that):

- the batch's conversations are locked (FOR UPDATE, in id order, so concurrent appenders never deadlock) and
  their last positions read under the lock; each new message takes the next position: gapless;
- per message, in batch order: the sender must be a member (else status 1: NotMember); a message stored
  before under the same (sender, client id), or earlier in this batch, is answered with that row (status 2;
  the caller checks it is the same conversation, else Conflict); a direct conversation where either side
  blocked the other refuses it (status 3: Blocked); otherwise it is inserted (status 0, with its id and
  position);
- then each touched conversation's last_position, and each sender's read position (moved forward to its
  newest message of the batch).

Validation of client ids and content stays in Python, before the call. A unique violation (a concurrent
transaction stored the same client id in another conversation) aborts the call; the caller retries per
message. On SQLite this migration does nothing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 16:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Statuses per message (server.store.pg_messages reads them): 0 new, 1 not a member, 2 stored, 3 blocked.
CREATE = """
CREATE OR REPLACE FUNCTION parley_append(
    p_conv bigint[], p_sender bigint[], p_client text[], p_kind text[], p_text text[], p_data text[],
    p_now bigint
) RETURNS TABLE (
    o_status smallint, o_id bigint, o_conversation_id bigint, o_position bigint, o_sender_id bigint,
    o_client_id text, o_kind text, o_text text, o_data text, o_created_at bigint
)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    convs bigint[] := '{}';
    kinds text[] := '{}';
    lasts bigint[] := '{}';
    firsts bigint[];
    read_conv bigint[] := '{}';
    read_user bigint[] := '{}';
    read_pos bigint[] := '{}';
    stored record;
    k int;
    r int;
BEGIN
    -- Lock the batch's conversations in id order (concurrent appenders never deadlock); their last
    -- positions are read under the lock.
    SELECT coalesce(array_agg(l.id ORDER BY l.id), '{}'), coalesce(array_agg(l.kind::text ORDER BY l.id), '{}'),
           coalesce(array_agg(l.last_position ORDER BY l.id), '{}')
      INTO convs, kinds, lasts
      FROM (SELECT c.id, c.kind, c.last_position FROM conversations c
             WHERE c.id = ANY (p_conv) ORDER BY c.id FOR UPDATE) AS l;
    firsts := lasts;
    FOR i IN 1 .. coalesce(array_length(p_conv, 1), 0) LOOP
        o_id := NULL; o_conversation_id := NULL; o_position := NULL; o_sender_id := NULL;
        o_client_id := NULL; o_kind := NULL; o_text := NULL; o_data := NULL; o_created_at := NULL;
        k := array_position(convs, p_conv[i]);
        IF k IS NULL OR NOT EXISTS (
            SELECT 1 FROM members m WHERE m.conversation_id = p_conv[i] AND m.user_id = p_sender[i]
        ) THEN
            o_status := 1;
        ELSE
            -- Each statement of this VOLATILE function sees what committed before it (and this batch's rows).
            SELECT s.id, s.conversation_id, s.position, s.sender_id, s.client_id, s.kind, s.text,
                   s.data::text AS data, s.created_at
              INTO stored
              FROM messages s WHERE s.sender_id = p_sender[i] AND s.client_id = p_client[i];
            IF FOUND THEN
                o_status := 2;
                o_id := stored.id; o_conversation_id := stored.conversation_id; o_position := stored.position;
                o_sender_id := stored.sender_id; o_client_id := stored.client_id; o_kind := stored.kind;
                o_text := stored.text; o_data := stored.data; o_created_at := stored.created_at;
            ELSIF kinds[k] = 'direct' AND EXISTS (
                SELECT 1 FROM members o JOIN friendships f
                  ON (f.user_id = p_sender[i] AND f.other_id = o.user_id)
                  OR (f.user_id = o.user_id AND f.other_id = p_sender[i])
                WHERE o.conversation_id = p_conv[i] AND o.user_id <> p_sender[i] AND f.state = 'blocked'
            ) THEN
                o_status := 3;
            ELSE
                lasts[k] := lasts[k] + 1;
                INSERT INTO messages (conversation_id, position, sender_id, client_id, kind, text, data, created_at)
                VALUES (p_conv[i], lasts[k], p_sender[i], p_client[i], p_kind[i], p_text[i], p_data[i]::json, p_now)
                RETURNING messages.id INTO o_id;
                o_status := 0;
                o_position := lasts[k];
                -- the sender's read position: one entry per (conversation, sender), its newest position
                r := 1;
                WHILE r <= coalesce(array_length(read_conv, 1), 0)
                      AND NOT (read_conv[r] = p_conv[i] AND read_user[r] = p_sender[i]) LOOP
                    r := r + 1;
                END LOOP;
                read_conv[r] := p_conv[i];
                read_user[r] := p_sender[i];
                read_pos[r] := lasts[k];
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
    -- Primary-key updates, one per touched conversation and per (conversation, sender).
    FOR k IN 1 .. coalesce(array_length(convs, 1), 0) LOOP
        IF lasts[k] > firsts[k] THEN
            UPDATE conversations SET last_position = lasts[k] WHERE id = convs[k];
        END IF;
    END LOOP;
    FOR r IN 1 .. coalesce(array_length(read_conv, 1), 0) LOOP
        UPDATE members SET read_position = read_pos[r]
         WHERE conversation_id = read_conv[r] AND user_id = read_user[r] AND read_position < read_pos[r];
    END LOOP;
    RETURN;
END
$$
"""

DROP = "DROP FUNCTION IF EXISTS parley_append(bigint[], bigint[], text[], text[], text[], text[], bigint)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DROP)
