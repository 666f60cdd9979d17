-- Keyword alert subscriptions made through the API. Each is a rule named
-- "@" and its public id; its feeds live at /feeds/s/FEED_TOKEN.
CREATE TABLE subscriptions (
	id         INTEGER PRIMARY KEY,
	public_id  TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	query      TEXT NOT NULL,
	sources    TEXT NOT NULL, -- JSON array of source names; empty: all
	feed_token TEXT NOT NULL UNIQUE,
	created    INTEGER NOT NULL,
	updated    INTEGER NOT NULL
) STRICT;
