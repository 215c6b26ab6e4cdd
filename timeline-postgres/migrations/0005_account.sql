-- "Account" is the project's one word for a HubSpot account: the column
-- that names a row's account says so too. Postgres keeps the indexes and
-- the key, which name columns by position.
ALTER TABLE events RENAME COLUMN portal TO account;
