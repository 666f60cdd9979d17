-- The query each rule of the configuration file had when feedhound last
-- took it up: a rule that is new or whose query changed is backfilled.
CREATE TABLE rule_queries (
    rule  TEXT PRIMARY KEY,
    query TEXT NOT NULL
) STRICT;
