-- Sources added through the API, beside those of the configuration file.
CREATE TABLE api_sources (
	name     TEXT PRIMARY KEY,
	url      TEXT NOT NULL,
	schedule TEXT NOT NULL,
	title    TEXT NOT NULL DEFAULT '',
	created  INTEGER NOT NULL
) STRICT;
