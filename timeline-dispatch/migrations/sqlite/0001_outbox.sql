-- The outbox of timeline-dispatch's SQLite outbox: one row per event key.
--
-- Times are microseconds since the Unix epoch. `due_at` is set exactly while
-- a row is undelivered (pending: its next attempt; claimed: its lease's end),
-- `settled_at` exactly while it is delivered or dead, so the partial indexes
-- below hold only the rows a claim or a purge looks at.
--
-- AUTOINCREMENT: a purged row's id is never given again, so the fence of a
-- slow dispatcher (row id and attempt) cannot match a newer row.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    portal      INTEGER NOT NULL,
    kind        TEXT    NOT NULL,
    event_type  TEXT    NOT NULL,
    event_id    TEXT    NOT NULL,
    body        BLOB    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('pending', 'claimed', 'delivered', 'dead')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    enqueued_at INTEGER NOT NULL,
    due_at      INTEGER,
    last_error  TEXT,
    settled_at  INTEGER,
    UNIQUE (portal, kind, event_type, event_id),
    CHECK ((due_at IS NOT NULL) = (state IN ('pending', 'claimed'))),
    CHECK ((settled_at IS NOT NULL) = (state IN ('delivered', 'dead')))
);

-- Claims: an account's undelivered rows in enqueue order.
CREATE INDEX outbox_undelivered ON outbox (portal, id) WHERE due_at IS NOT NULL;
-- `next_due`.
CREATE INDEX outbox_due ON outbox (due_at) WHERE due_at IS NOT NULL;
-- Purges.
CREATE INDEX outbox_settled ON outbox (settled_at) WHERE settled_at IS NOT NULL;
