-- "Account" is the project's one word for a HubSpot account: the key
-- column says so too.
ALTER TABLE tokens RENAME COLUMN portal TO account;
