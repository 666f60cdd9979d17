-- Alerts of rules that send digests wait in the outbox until the digest
-- is due (next_attempt), then go out together in one message.
ALTER TABLE notifications ADD COLUMN digest INTEGER NOT NULL DEFAULT 0;
CREATE INDEX notifications_digest ON notifications (notifier, status, digest, next_attempt);
