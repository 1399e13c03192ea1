-- Intake and the public status channel: bearer tokens for HTTP intake,
-- the keys that make intake idempotent, the reporter of a report, and
-- what the public status page may show.

-- A token is stored only as the SHA-256 of the secret handed out once.
CREATE TABLE tokens (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL,
	sha256       TEXT NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	created_by   TEXT NOT NULL,
	last_used_at INTEGER,
	removed_at   INTEGER
) STRICT;
CREATE UNIQUE INDEX tokens_name ON tokens (name COLLATE NOCASE) WHERE removed_at IS NULL;

-- What an incident was declared from: an Alertmanager group (kind
-- alertmanager, key its groupKey, state firing or resolved as last heard)
-- or a mail (kind email, key its Message-ID). A group may declare again
-- once its incident is closed; a mail never does.
CREATE TABLE intake_keys (
	kind        TEXT NOT NULL,
	key         TEXT NOT NULL,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	state       TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (kind, key, incident_id)
) STRICT;

-- Each alert an incident has heard of, by Alertmanager's fingerprint, with
-- its last status: a repeat that changes nothing writes nothing.
CREATE TABLE intake_alerts (
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	fingerprint TEXT NOT NULL,
	status      TEXT NOT NULL CHECK (status IN ('firing','resolved')),
	PRIMARY KEY (incident_id, fingerprint)
) STRICT;

ALTER TABLE incidents ADD COLUMN reporter     TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN public_title TEXT NOT NULL DEFAULT '';
ALTER TABLE status_updates ADD COLUMN public INTEGER NOT NULL DEFAULT 0;
