-- What the last poll of a source found, and since when it has failed, for
-- the status page.
ALTER TABLE sources ADD COLUMN last_new INTEGER NOT NULL DEFAULT 0;      -- items new at the last poll
ALTER TABLE sources ADD COLUMN failing_since INTEGER NOT NULL DEFAULT 0; -- unix milliseconds of the first failure in a row
