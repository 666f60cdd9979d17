-- A source's own feed lists its newest items.
CREATE INDEX items_source_first_seen ON items (source, first_seen);
