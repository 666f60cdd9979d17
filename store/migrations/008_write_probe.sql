-- One row that feedhound rewrites to learn whether the database can be
-- written again after a write failed (a full disk, say).
CREATE TABLE write_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at INTEGER NOT NULL
);
