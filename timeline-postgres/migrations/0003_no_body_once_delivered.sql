-- A delivered row keeps no body: nothing sends it again, and its key alone
-- is what a re-emitted event is checked against during the retention (an
-- event's body often holds personal data). Settlements clear it from now
-- on; rows delivered before keep theirs until the retention purges them,
-- so this migration rewrites no row.
ALTER TABLE events ALTER COLUMN body DROP NOT NULL;
