-- People sign in to the web app as accounts with a password (an
-- argon2id hash; '' for an account of tokens only), and stay signed in
-- by sessions kept here, so that they survive restarts and work across
-- instances. A session's secret is kept as its SHA-256 only.
ALTER TABLE accounts ADD COLUMN password TEXT NOT NULL DEFAULT '';
CREATE TABLE sessions (
	hash      BYTEA PRIMARY KEY,
	account   TEXT NOT NULL,
	csrf      TEXT NOT NULL,
	created   BIGINT NOT NULL,
	last_seen BIGINT NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account);
