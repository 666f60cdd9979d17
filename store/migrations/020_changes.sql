-- Changes made through an instance's API (a subscription, a source), for
-- the other instances sharing the database to apply: subject is the
-- subscription's id, or '' for the sources; origin the instance that made
-- it.
CREATE TABLE changes (
	seq     INTEGER PRIMARY KEY,
	subject TEXT NOT NULL,
	origin  TEXT NOT NULL,
	at      INTEGER NOT NULL
) STRICT;
