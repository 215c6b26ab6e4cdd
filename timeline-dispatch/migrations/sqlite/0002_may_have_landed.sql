-- Whether any attempt of a row may have reached HubSpot: set just before a
-- request with the row goes out, then to what the answer proved. A
-- redelivery counts "already in use" as delivered only when it is set.
--
-- Rows from before this column: an undelivered or dead row claimed more than
-- once keeps the meaning the attempt number had (an earlier attempt may have
-- sent it), since nothing better is known of it.
ALTER TABLE outbox ADD COLUMN may_have_landed INTEGER NOT NULL DEFAULT 0 CHECK (may_have_landed IN (0, 1));
UPDATE outbox SET may_have_landed = 1 WHERE attempts > 1 AND state <> 'delivered';

-- Claims: an account's due rows found by their due time, so rows waiting for a
-- later attempt (an outage's backlog) are not read by every claim; it replaces
-- the index of an account's undelivered rows by id.
DROP INDEX outbox_undelivered;
CREATE INDEX outbox_due_per_account ON outbox (portal, due_at, id) WHERE due_at IS NOT NULL;
