-- The outbox table built again with the same rows, so that writing a row
-- costs less:
--
-- * A row's state is checked with comparisons. The check `state IN (four
--   names)` made every insert and every update of a state build a temporary
--   index of the four names (SQLite codes an `IN` list of more than two
--   constants as a lookup in an ephemeral table).
-- * Ids no longer come from AUTOINCREMENT, which reads and writes
--   `sqlite_sequence` at every insert statement. The outbox's writer gives
--   ids itself, above both the highest id given so far (`outbox_sequence`)
--   and the highest id in the table, reading them once per transaction and
--   writing the first back once; so, as before, a purged row's id is never
--   given again (the fence of a slow dispatcher, row id and attempt, cannot
--   match a newer row).
CREATE TABLE outbox_rebuilt (
    id              INTEGER PRIMARY KEY,
    portal          INTEGER NOT NULL,
    kind            TEXT    NOT NULL,
    event_type      TEXT    NOT NULL,
    event_id        TEXT    NOT NULL,
    state           TEXT    NOT NULL
        CHECK (state = 'pending' OR state = 'claimed' OR state = 'delivered' OR state = 'dead'),
    attempts        INTEGER NOT NULL DEFAULT 0,
    enqueued_at     INTEGER NOT NULL,
    due_at          INTEGER,
    last_error      TEXT,
    settled_at      INTEGER,
    may_have_landed INTEGER NOT NULL DEFAULT 0 CHECK (may_have_landed IN (0, 1)),
    UNIQUE (portal, kind, event_type, event_id),
    CHECK ((due_at IS NOT NULL) = (state IN ('pending', 'claimed'))),
    CHECK ((settled_at IS NOT NULL) = (state IN ('delivered', 'dead')))
);
INSERT INTO outbox_rebuilt (id, portal, kind, event_type, event_id, state, attempts, enqueued_at, due_at,
                            last_error, settled_at, may_have_landed)
    SELECT id, portal, kind, event_type, event_id, state, attempts, enqueued_at, due_at,
           last_error, settled_at, may_have_landed
    FROM outbox;

-- The highest id ever given (one row).
CREATE TABLE outbox_sequence (
    only INTEGER PRIMARY KEY CHECK (only = 1),
    last INTEGER NOT NULL
);
INSERT INTO outbox_sequence (only, last)
    VALUES (1, MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0),
                   COALESCE((SELECT MAX(id) FROM outbox), 0)));

-- Dropping the table drops its indexes and triggers, and fires none of them
-- (the bodies stay).
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;

CREATE INDEX outbox_due ON outbox (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX outbox_settled ON outbox (settled_at) WHERE settled_at IS NOT NULL;
CREATE INDEX outbox_due_per_account ON outbox (portal, due_at, id) WHERE due_at IS NOT NULL;
CREATE TRIGGER outbox_delivered_drops_body AFTER UPDATE OF state ON outbox
    WHEN NEW.state = 'delivered'
BEGIN
    DELETE FROM outbox_body WHERE id = NEW.id;
END;
CREATE TRIGGER outbox_purge_drops_body AFTER DELETE ON outbox
BEGIN
    DELETE FROM outbox_body WHERE id = OLD.id;
END;
