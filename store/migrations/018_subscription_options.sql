-- The options of a subscription's kind of destination beside its url and
-- secret (an email's recipients, a Telegram chat): a JSON object, '' for
-- none.
ALTER TABLE subscriptions ADD COLUMN notify_options TEXT NOT NULL DEFAULT '';
