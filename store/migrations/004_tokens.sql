-- API tokens: only a SHA-256 hash of each is kept.
CREATE TABLE tokens (
	id        INTEGER PRIMARY KEY,
	name      TEXT NOT NULL UNIQUE,
	hash      BLOB NOT NULL UNIQUE,
	read_only INTEGER NOT NULL DEFAULT 0,
	created   INTEGER NOT NULL,
	last_used INTEGER NOT NULL DEFAULT 0
) STRICT;
