-- The paused accounts: no claim takes their rows until they are resumed.
-- A table of its own, so enqueues, claims and settlements of the rows of
-- accounts that are not paused write nothing more than before; every
-- replica on the schema sees the same pauses.
CREATE TABLE pauses (
    account bigint      PRIMARY KEY,
    since   timestamptz NOT NULL,
    reason  text        NOT NULL
);
