-- A source whose server sends no validators is often unchanged all the
-- same: the hash of its last body lets a poll skip parsing and recording
-- it. Items present at the last full record (their last_seen is
-- last_recorded) count as seen until last_present.
ALTER TABLE sources ADD COLUMN body_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN last_recorded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN last_present INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN ttl_seconds INTEGER NOT NULL DEFAULT 0;
