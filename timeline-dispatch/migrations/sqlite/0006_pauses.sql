-- The paused accounts: no claim takes their rows until they are resumed.
-- A table of its own, so enqueues, claims and settlements of the rows of
-- accounts that are not paused write nothing more than before.
CREATE TABLE outbox_paused (
    account INTEGER PRIMARY KEY,
    -- When it was paused, in microseconds since the Unix epoch.
    since   INTEGER NOT NULL,
    reason  TEXT    NOT NULL
);
