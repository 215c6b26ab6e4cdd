-- The outbox's rows. Run with search_path set to the outbox's schema (see
-- PgOutbox::migrate), so this names no schema.
CREATE TABLE events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- HubSpot's hub id, a u64 stored with the same 64 bits.
    portal      bigint      NOT NULL,
    kind        text        NOT NULL,
    event_type  text        NOT NULL,
    event_id    text        NOT NULL,
    -- The JSON input exactly as it goes in a batch request.
    body        bytea       NOT NULL,
    state       text        NOT NULL CHECK (state IN ('pending', 'claimed', 'delivered', 'dead')),
    -- Claims so far; a claim's fence is (id, attempts).
    attempts    integer     NOT NULL DEFAULT 0,
    enqueued_at timestamptz NOT NULL,
    -- When a pending row is due, or a claimed row's lease ends; NULL once
    -- delivered or dead.
    due_at      timestamptz,
    -- When it was delivered or died: what purge compares.
    settled_at  timestamptz,
    last_error  text,
    CONSTRAINT events_key UNIQUE (portal, kind, event_type, event_id),
    CONSTRAINT events_due CHECK ((state IN ('pending', 'claimed')) = (due_at IS NOT NULL)),
    CONSTRAINT events_settled CHECK ((state IN ('delivered', 'dead')) = (settled_at IS NOT NULL))
);

-- Claims and next_due: undelivered rows by due time.
CREATE INDEX events_undelivered_due ON events (due_at) WHERE state IN ('pending', 'claimed');

-- Claims: one account's undelivered rows in enqueue order.
CREATE INDEX events_undelivered_account ON events (portal, id) WHERE state IN ('pending', 'claimed');

-- Purge: settled rows by settle time.
CREATE INDEX events_settled ON events (settled_at) WHERE state IN ('delivered', 'dead');
