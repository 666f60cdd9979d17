-- A subscription alerts once per story ('story') or for every copy
-- ('none').
ALTER TABLE subscriptions ADD COLUMN grouping TEXT NOT NULL DEFAULT 'story';
