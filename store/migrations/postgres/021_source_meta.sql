-- When a source's description (its feed's title, link, language, id or
-- update time) last changed, in Unix milliseconds: the filtered feeds show
-- it, and instances sharing the database render again when it changes.
ALTER TABLE sources ADD COLUMN meta_changed BIGINT NOT NULL DEFAULT 0;
