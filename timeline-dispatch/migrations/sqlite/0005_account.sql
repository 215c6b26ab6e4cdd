-- "Account" is the project's one word for a HubSpot account: the column
-- that names a row's account says so too. SQLite renames the column in the
-- indexes that use it as well.
ALTER TABLE outbox RENAME COLUMN portal TO account;
