-- A subscription's own destination for alerts, and its digest.
ALTER TABLE subscriptions ADD COLUMN notify_type TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN notify_url TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN notify_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE subscriptions ADD COLUMN digest TEXT NOT NULL DEFAULT '';
