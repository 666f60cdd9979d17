-- A source added through the API is a kind of source with its options,
-- as a destination is: a page scraped for items is the page kind, its
-- selectors (JSON) its options.
ALTER TABLE api_sources ADD COLUMN kind TEXT NOT NULL DEFAULT 'feed';
ALTER TABLE api_sources ADD COLUMN options TEXT NOT NULL DEFAULT '';
UPDATE api_sources SET kind = 'page', options = scrape WHERE scrape != '';
ALTER TABLE api_sources DROP COLUMN scrape;
