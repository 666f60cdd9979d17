-- Sources added through the API may be pages scraped for items, and may
-- fetch their items' full text.
ALTER TABLE api_sources ADD COLUMN scrape TEXT NOT NULL DEFAULT ''; -- JSON selectors; '' for a feed
ALTER TABLE api_sources ADD COLUMN fulltext INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_sources ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
