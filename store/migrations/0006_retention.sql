-- Retention: sitrep purge is the one path that may remove events and
-- recorded notices. It holds the single row of purging for the length of
-- its own transaction (never committed), and only then do the
-- append-only triggers let rows go.
CREATE TABLE purging (
	id INTEGER PRIMARY KEY CHECK (id = 1)
) STRICT;

DROP TRIGGER events_no_delete;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
	WHEN NOT EXISTS (SELECT 1 FROM purging)
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

DROP TRIGGER notifications_no_delete;
CREATE TRIGGER notifications_no_delete BEFORE DELETE ON notifications
	WHEN NOT EXISTS (SELECT 1 FROM purging)
BEGIN SELECT RAISE(ABORT, 'a recorded notice never changes'); END;
