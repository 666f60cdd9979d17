-- How the full text of a source's new items went at its last poll that
-- fetched any.
ALTER TABLE sources ADD COLUMN fulltext_fetched INTEGER NOT NULL DEFAULT 0; -- articles tried
ALTER TABLE sources ADD COLUMN fulltext_failed INTEGER NOT NULL DEFAULT 0;  -- of them, not read
ALTER TABLE sources ADD COLUMN fulltext_error TEXT NOT NULL DEFAULT '';     -- the last failure
