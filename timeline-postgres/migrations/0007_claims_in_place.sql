-- A claim writes no index entry. A claimed row keeps its state ('pending')
-- and its due time, and its lease's end goes in a column of its own that no
-- index reads, nor any index's predicate: so the claim, the lease's renewals
-- and the "sending" mark are HOT updates (a new version of the row on its own
-- page), where a claim used to write a new entry in every index of the row. A row is claimed while `claimed_until` is set;
-- it may be claimed again once that time has passed. The indexes keep their
-- predicate `state IN ('pending', 'claimed')`, which now holds for pending
-- rows only (rebuilding them would read every row).
ALTER TABLE events ADD COLUMN claimed_until timestamptz;

-- Rows claimed before: their lease's end was their due time.
UPDATE events SET state = 'pending', claimed_until = due_at WHERE state = 'claimed';

-- No row is 'claimed' any more. A replica of an earlier release still
-- running on this schema fails to claim (so it cannot send a row a new
-- replica holds), and its settlements find no claimed row (so they change
-- nothing); the rows it held are claimed again once their lease ends.
ALTER TABLE events DROP CONSTRAINT events_state_check;
ALTER TABLE events ADD CONSTRAINT events_state CHECK (state IN ('pending', 'delivered', 'dead'));
ALTER TABLE events ADD CONSTRAINT events_claimed CHECK (claimed_until IS NULL OR state = 'pending');

-- Room on every page for a new version of each of its rows (pages written
-- from now on): a claim takes an account's rows, and accounts share pages, so
-- one claim may give most rows of a page a new version at once. At 70
-- (migration 4), about a third of the claims and "sending" marks of a busy
-- outbox found no room and wrote every index; at 50, next to none. The table
-- takes more pages for the same rows (about 1.4 times); the purge after the
-- retention is what bounds it.
ALTER TABLE events SET (fillfactor = 50);
