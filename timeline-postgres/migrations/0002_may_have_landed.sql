-- Whether any attempt of a row may have reached HubSpot: set just before a
-- request with the row goes out, then to what the answer proved. A
-- redelivery counts "already in use" as delivered only when it is set.
--
-- Rows from before this column: an undelivered or dead row claimed more than
-- once keeps the meaning the attempt number had (an earlier attempt may have
-- sent it), since nothing better is known of it.
ALTER TABLE events ADD COLUMN may_have_landed boolean NOT NULL DEFAULT false;
UPDATE events SET may_have_landed = true WHERE attempts > 1 AND state <> 'delivered';

-- The dispatcher's depth, once a second: the undelivered rows and the oldest
-- of them, without reading delivered rows.
CREATE INDEX events_undelivered_id ON events (id) WHERE state IN ('pending', 'claimed');
