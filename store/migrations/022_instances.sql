-- The instances working on the database: each says which configuration
-- it runs (a hash of its sources and rules) and when it was last alive,
-- so that one whose configuration differs from the others' is told.
CREATE TABLE instances (
	name    TEXT PRIMARY KEY,
	config  TEXT NOT NULL,
	started INTEGER NOT NULL,
	seen    INTEGER NOT NULL
) STRICT;
