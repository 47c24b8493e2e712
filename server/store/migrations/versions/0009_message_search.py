"""message search: a full-text index of message text and share cards' titles

What is indexed: a ``text`` message's text; a ``share`` message's comment and its card's title. Nothing else
(system lines, descriptions, URLs only as far as they appear in the text). Punctuation separates words on
both databases, case and diacritics are folded.

- **SQLite**: the FTS5 table ``message_search(body)`` (tokenizer ``unicode61 remove_diacritics 2``), its rowid
  the message id. Triggers keep it in step inside the writing transaction, whichever appender stored the
  message: ``message_search_insert`` (AFTER INSERT of a text or share message) and ``message_search_delete``
  (AFTER DELETE, also for rows removed by a cascade). An edit re-indexes through
  ``store.message_search.reindex_message``.
- **PostgreSQL**: the stored generated column ``messages.search_vector`` (``to_tsvector`` under the text
  search configuration ``parley_search``: ``simple`` plus ``unaccent`` where the extension can be created,
  so any language works) with a GIN index: PostgreSQL computes it in the INSERT of ``parley_append`` itself
  and again on every UPDATE of the row.

Existing messages are indexed here (SQLite: one INSERT ... SELECT; PostgreSQL: adding the column computes it).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None



def sqlite_body(row: str) -> str:
    """The text a text or share message ``row`` is indexed by, on SQLite."""
    return (
        f"CASE {row}.kind WHEN 'text' THEN {row}.text"
        f" ELSE coalesce({row}.text, '') || ' ' || coalesce(json_extract({row}.data, '$.title'), '') END"
    )


PG_BODY = (  # punctuation separates words, as in SQLite's unicode61 (the default parser keeps hosts whole)
    "regexp_replace(CASE kind WHEN 'text' THEN text WHEN 'share' THEN coalesce(text, '') || ' '"
    " || coalesce(data ->> 'title', '') ELSE '' END, '[[:punct:]]+', ' ', 'g')"
)
PG_MAPPED = "asciiword, asciihword, hword_asciipart, word, hword, hword_part, numword, numhword, hword_numpart"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _postgres_upgrade()


def _sqlite_upgrade() -> None:
    op.execute("CREATE VIRTUAL TABLE message_search USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')")
    op.execute(
        "CREATE TRIGGER message_search_insert AFTER INSERT ON messages WHEN new.kind IN ('text', 'share') BEGIN"
        f" INSERT INTO message_search (rowid, body) VALUES (new.id, {sqlite_body('new')}); END"
    )
    op.execute(
        "CREATE TRIGGER message_search_delete AFTER DELETE ON messages WHEN old.kind IN ('text', 'share') BEGIN"
        " DELETE FROM message_search WHERE rowid = old.id; END"
    )
    op.execute(
        f"INSERT INTO message_search (rowid, body) SELECT m.id, {sqlite_body('m')} FROM messages AS m"
        " WHERE m.kind IN ('text', 'share')"
    )


def _postgres_upgrade() -> None:
    conn = op.get_bind()
    op.execute("CREATE TEXT SEARCH CONFIGURATION parley_search (COPY = pg_catalog.simple)")
    try:
        with conn.begin_nested():
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
    except sa.exc.DBAPIError:  # not allowed here: words keep their diacritics (case still folds)
        pass
    else:
        op.execute(f"ALTER TEXT SEARCH CONFIGURATION parley_search ALTER MAPPING FOR {PG_MAPPED} WITH unaccent, simple")
    op.execute(
        "ALTER TABLE messages ADD COLUMN search_vector tsvector"
        f" GENERATED ALWAYS AS (to_tsvector('parley_search'::regconfig, {PG_BODY})) STORED"
    )
    op.execute("CREATE INDEX ix_messages_search ON messages USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS message_search_delete")
        op.execute("DROP TRIGGER IF EXISTS message_search_insert")
        op.execute("DROP TABLE IF EXISTS message_search")
        return
    op.execute("DROP INDEX IF EXISTS ix_messages_search")
    op.execute("ALTER TABLE messages DROP COLUMN IF EXISTS search_vector")
    op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS parley_search")
