-- Accounts own tokens, subscriptions and the sources added through the
-- API: a token sees and changes only its account's, unless its account is
-- an admin's. What was there before accounts belongs to the admin account.
CREATE TABLE accounts (
	name    TEXT PRIMARY KEY,
	admin   INTEGER NOT NULL DEFAULT 0,
	created INTEGER NOT NULL
) STRICT;
INSERT INTO accounts (name, admin, created) VALUES ('admin', 1, 0);
ALTER TABLE tokens ADD COLUMN account TEXT NOT NULL DEFAULT 'admin';
ALTER TABLE subscriptions ADD COLUMN owner TEXT NOT NULL DEFAULT 'admin';
ALTER TABLE api_sources ADD COLUMN owner TEXT NOT NULL DEFAULT 'admin';
CREATE INDEX subscriptions_by_owner ON subscriptions (owner, id);
