-- The outbox: one row per alert to send, written in the transaction that
-- records the match, so no alert is lost and none is written twice.
CREATE TABLE notifications (
	id           INTEGER PRIMARY KEY,
	notifier     TEXT NOT NULL,
	rule         TEXT NOT NULL,
	item_id      INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	created      INTEGER NOT NULL,
	status       TEXT NOT NULL DEFAULT 'pending', -- pending, delivered or failed
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT '',
	delivered_at INTEGER NOT NULL DEFAULT 0,
	UNIQUE (notifier, rule, item_id)
) STRICT;
CREATE INDEX notifications_pending ON notifications (notifier, status, id);
