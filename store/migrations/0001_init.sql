-- sitrep schema v1. Times are unix seconds (UTC); NULL means not set.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL,
	role          TEXT NOT NULL CHECK (role IN ('viewer','member','admin','owner')),
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	deleted_at    INTEGER,
	last_login_at INTEGER
) STRICT;
CREATE UNIQUE INDEX users_name ON users (name COLLATE NOCASE) WHERE deleted_at IS NULL;

CREATE TABLE user_keys (
	id          INTEGER PRIMARY KEY,
	user_id     INTEGER NOT NULL REFERENCES users (id),
	fingerprint TEXT NOT NULL UNIQUE,
	type        TEXT NOT NULL,
	key         TEXT NOT NULL,
	comment     TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE incidents (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	title           TEXT NOT NULL,
	summary         TEXT NOT NULL DEFAULT '',
	severity        TEXT NOT NULL CHECK (severity IN ('P0','P1','P2','P3')),
	status          TEXT NOT NULL CHECK (status IN ('open','acknowledged','contained','resolved','closed')),
	source          TEXT NOT NULL,
	breach          TEXT NOT NULL CHECK (breach IN ('unknown','yes','no')),
	availability    INTEGER NOT NULL DEFAULT 0,
	-- The affected customers and the checklist counts live on the row, so
	-- the board is one scan of incidents (kept by every write that changes them).
	customers       TEXT NOT NULL DEFAULT '[]',
	checklist_done  INTEGER NOT NULL DEFAULT 0,
	checklist_na    INTEGER NOT NULL DEFAULT 0,
	checklist_total INTEGER NOT NULL DEFAULT 0,
	data_categories TEXT NOT NULL DEFAULT '[]',
	subjects_approx INTEGER,
	records_approx  INTEGER,
	consequences    TEXT NOT NULL DEFAULT '',
	commander       TEXT,
	detected_at     INTEGER NOT NULL,
	aware_at        INTEGER NOT NULL,
	acknowledged_at INTEGER,
	contained_at    INTEGER,
	resolved_at     INTEGER,
	closed_at       INTEGER,
	review_root_cause   TEXT NOT NULL DEFAULT '',
	review_worked       TEXT NOT NULL DEFAULT '',
	review_not_worked   TEXT NOT NULL DEFAULT '',
	review_impact       TEXT NOT NULL DEFAULT '',
	review_completed_at INTEGER,
	review_completed_by TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	deleted_at      INTEGER,
	version         INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX incidents_active ON incidents (status) WHERE deleted_at IS NULL;

CREATE TABLE checklist (
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	position    INTEGER NOT NULL,
	key         TEXT NOT NULL,
	item        TEXT NOT NULL,
	state       TEXT NOT NULL CHECK (state IN ('todo','done','n/a')),
	reason      TEXT NOT NULL DEFAULT '',
	by          TEXT NOT NULL DEFAULT '',
	at          INTEGER,
	PRIMARY KEY (incident_id, key)
) STRICT;

CREATE TABLE notifications (
	id          INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	customer    TEXT NOT NULL,
	channel     TEXT NOT NULL,
	sent_at     INTEGER NOT NULL,
	follow_up   INTEGER NOT NULL,
	by          TEXT NOT NULL
) STRICT;
CREATE INDEX notifications_incident ON notifications (incident_id);

CREATE TABLE status_updates (
	id          INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	text        TEXT NOT NULL,
	at          INTEGER NOT NULL,
	by          TEXT NOT NULL
) STRICT;
CREATE INDEX status_updates_incident ON status_updates (incident_id);

CREATE TABLE reports (
	id          INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	kind        TEXT NOT NULL,
	at          INTEGER NOT NULL,
	by          TEXT NOT NULL
) STRICT;
CREATE INDEX reports_incident ON reports (incident_id);

CREATE TABLE action_items (
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	n           INTEGER NOT NULL,
	title       TEXT NOT NULL,
	owner       TEXT NOT NULL,
	due         TEXT NOT NULL,
	done_at     INTEGER,
	done_by     TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (incident_id, n)
) STRICT;

-- The append-only event log: timeline, audit log and change feed.
CREATE TABLE events (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	time        INTEGER NOT NULL,
	actor       TEXT NOT NULL,
	source      TEXT NOT NULL,
	action      TEXT NOT NULL,
	target      TEXT NOT NULL,
	incident_id INTEGER REFERENCES incidents (id),
	data        TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX events_incident ON events (incident_id, seq) WHERE incident_id IS NOT NULL;
CREATE INDEX events_time ON events (time);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
