-- Copies of one story across sources: an item's story is the id of the
-- story's first item, NULL when that is the item itself.
ALTER TABLE items ADD COLUMN story INTEGER;
CREATE INDEX items_story ON items (story) WHERE story IS NOT NULL;
