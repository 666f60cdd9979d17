-- What a source's feed says of itself, for the <source> of the entries
-- it gives the filtered feeds; and what its failures were.
ALTER TABLE sources ADD COLUMN feed_id TEXT NOT NULL DEFAULT '';      -- Atom <id>
ALTER TABLE sources ADD COLUMN link TEXT NOT NULL DEFAULT '';         -- the site's home page
ALTER TABLE sources ADD COLUMN feed_updated INTEGER NOT NULL DEFAULT 0; -- unix milliseconds
ALTER TABLE sources ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN retry_at INTEGER NOT NULL DEFAULT 0;   -- a server's Retry-After, unix milliseconds
ALTER TABLE sources ADD COLUMN failure_kind TEXT NOT NULL DEFAULT ''; -- what the failures in a row were
ALTER TABLE sources ADD COLUMN last_success INTEGER NOT NULL DEFAULT 0; -- unix milliseconds of the last good poll
