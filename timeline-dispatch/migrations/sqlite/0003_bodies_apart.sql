-- Event bodies in a table of their own, keyed by their row's id: a claim, a
-- "sending" mark, a lease renewal and a settlement rewrite a row's small
-- state, not its body, so each touches a few pages instead of one per
-- handful of rows.
--
-- A delivered row keeps no body: nothing sends it again, and the row itself
-- (its key) is all a re-emitted event is checked against during the
-- retention. Undelivered and dead rows keep theirs (a dead row can be
-- requeued).
CREATE TABLE outbox_body (
    id   INTEGER PRIMARY KEY,
    body BLOB    NOT NULL
);
INSERT INTO outbox_body (id, body) SELECT id, body FROM outbox WHERE state <> 'delivered';
ALTER TABLE outbox DROP COLUMN body;

-- A row's body goes with its delivery, and with the row.
CREATE TRIGGER outbox_delivered_drops_body AFTER UPDATE OF state ON outbox
    WHEN NEW.state = 'delivered'
BEGIN
    DELETE FROM outbox_body WHERE id = NEW.id;
END;
CREATE TRIGGER outbox_purge_drops_body AFTER DELETE ON outbox
BEGIN
    DELETE FROM outbox_body WHERE id = OLD.id;
END;
