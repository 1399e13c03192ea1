-- A lifecycle that never hides a clock: corrections of data loss, DORA
-- classification, recovery, post-mortems, and closed incidents held on the
-- board while a deadline is open.

ALTER TABLE incidents ADD COLUMN data_loss      INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN major_at       INTEGER;
ALTER TABLE incidents ADD COLUMN restored_at    INTEGER;
ALTER TABLE incidents ADD COLUMN recovery_point INTEGER;
-- held: closed, with a deadline still open (pending or missed, not met,
-- not n/a), so the board keeps showing it. Kept by every write to the
-- incident and every policy change. Closed incidents from before are held
-- until the first recomputation says otherwise; the board drops those
-- whose deadlines are all settled.
ALTER TABLE incidents ADD COLUMN held           INTEGER NOT NULL DEFAULT 0;
UPDATE incidents SET held = 1 WHERE status = 'closed' AND deleted_at IS NULL;
CREATE INDEX incidents_held ON incidents (held) WHERE held = 1 AND deleted_at IS NULL;

-- Post-mortems of availability incidents: one per customer it was sent to,
-- or published for all (customer empty).
CREATE TABLE postmortems (
	id          INTEGER PRIMARY KEY,
	incident_id INTEGER NOT NULL REFERENCES incidents (id),
	customer    TEXT NOT NULL DEFAULT '',
	published   INTEGER NOT NULL DEFAULT 0,
	at          INTEGER NOT NULL,
	by          TEXT NOT NULL
) STRICT;
CREATE INDEX postmortems_incident ON postmortems (incident_id);
