-- Sources: the state of polling each configured source.
CREATE TABLE sources (
	name          TEXT PRIMARY KEY,
	config_url    TEXT NOT NULL,            -- the URL the configuration gives
	url           TEXT NOT NULL,            -- where it is polled now (updated on a permanent redirect)
	title         TEXT NOT NULL DEFAULT '',
	etag          TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	last_poll     INTEGER NOT NULL DEFAULT 0, -- unix milliseconds; 0 = never
	last_status   TEXT NOT NULL DEFAULT '',   -- "200", "304" or "error"
	last_error    TEXT NOT NULL DEFAULT '',
	failures      INTEGER NOT NULL DEFAULT 0, -- consecutive
	next_poll     INTEGER NOT NULL DEFAULT 0,
	gone          INTEGER NOT NULL DEFAULT 0  -- 1 after HTTP 410: polling stopped
) STRICT;

-- Items: every item seen, once per source and stable ID.
CREATE TABLE items (
	id           INTEGER PRIMARY KEY,
	source       TEXT NOT NULL,
	guid         TEXT NOT NULL,
	title        TEXT NOT NULL,
	link         TEXT NOT NULL,
	authors      TEXT NOT NULL,   -- JSON array
	categories   TEXT NOT NULL,   -- JSON array
	published    INTEGER NOT NULL, -- unix milliseconds; 0 = unknown
	updated      INTEGER NOT NULL,
	summary      TEXT NOT NULL,
	content      TEXT NOT NULL,
	text         TEXT NOT NULL,
	content_hash TEXT NOT NULL,
	first_seen   INTEGER NOT NULL,
	last_seen    INTEGER NOT NULL, -- last time a poll found it in the feed
	UNIQUE (source, guid)
) STRICT;
CREATE INDEX items_last_seen ON items (last_seen);

-- Matches: an item matched a rule, recorded in the transaction that
-- recorded the item.
CREATE TABLE matches (
	rule       TEXT NOT NULL,
	item_id    INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	matched_at INTEGER NOT NULL,
	hits       TEXT NOT NULL,     -- JSON array of {term, field, value, start, end}
	PRIMARY KEY (rule, item_id)
) STRICT;
CREATE INDEX matches_rule_time ON matches (rule, matched_at DESC, item_id DESC);
CREATE INDEX matches_item ON matches (item_id);
