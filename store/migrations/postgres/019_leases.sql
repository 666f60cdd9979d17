-- Several instances on one database: which instance polled a source last,
-- and the leases that let one instance at a time poll a source or send to
-- a notifier. A lease whose until (Unix milliseconds) has passed is free.
ALTER TABLE sources ADD COLUMN polled_by TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE sources ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
CREATE TABLE notifier_leases (
	notifier TEXT PRIMARY KEY,
	owner    TEXT NOT NULL,
	until    BIGINT NOT NULL
);
