-- Art. 33 notices a controller can receive as they are: each customer's own
-- numbers and impact, the remaining breach facts, a point of contact per
-- incident, and every notice kept exactly as sent.

ALTER TABLE incidents ADD COLUMN subject_categories TEXT NOT NULL DEFAULT '[]';
ALTER TABLE incidents ADD COLUMN measures_proposed  TEXT NOT NULL DEFAULT '[]';
ALTER TABLE incidents ADD COLUMN mitigation         TEXT NOT NULL DEFAULT '[]';
ALTER TABLE incidents ADD COLUMN contact_name       TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN contact_details    TEXT NOT NULL DEFAULT '';

-- One row per customer whose facts are known; the incident's totals are
-- derived from them.
CREATE TABLE customer_facts (
	incident_id     INTEGER NOT NULL REFERENCES incidents (id),
	customer        TEXT NOT NULL,
	subjects_approx INTEGER,
	records_approx  INTEGER,
	impact          TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (incident_id, customer)
) STRICT;

-- A single customer's numbers were the incident's: they become its own.
INSERT INTO customer_facts (incident_id, customer, subjects_approx, records_approx)
	SELECT id, json_extract(customers, '$[0]'), subjects_approx, records_approx FROM incidents
	WHERE json_array_length(customers) = 1 AND (subjects_approx IS NOT NULL OR records_approx IS NOT NULL);
UPDATE incidents SET subjects_approx = NULL, records_approx = NULL
	WHERE json_array_length(customers) = 1;

-- What was sent: the exact text, its SHA-256, the address, and the facts
-- and unknowns at that moment (for follow-ups). Notices recorded before
-- this have no text (empty).
ALTER TABLE notifications ADD COLUMN text      TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN sha256    TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN recipient TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN unknowns  TEXT NOT NULL DEFAULT '[]';
ALTER TABLE notifications ADD COLUMN facts     TEXT NOT NULL DEFAULT '{}';

CREATE TRIGGER notifications_no_update BEFORE UPDATE ON notifications
BEGIN SELECT RAISE(ABORT, 'a recorded notice never changes'); END;
CREATE TRIGGER notifications_no_delete BEFORE DELETE ON notifications
BEGIN SELECT RAISE(ABORT, 'a recorded notice never changes'); END;

-- The policy's single contact line becomes its contact details; a name is
-- asked for before the next notice.
UPDATE meta SET value = json_remove(json_set(value,
		'$.contact_name', '',
		'$.contact_details', coalesce(json_extract(value, '$.contact'), ''),
		'$.follow_up_hours', 48), '$.contact')
	WHERE key = 'policy' AND json_valid(value);

-- The GDPR notify clock is fixed by law: a policy that lengthened,
-- narrowed or moved it gets it back as the law has it (its label stays).
UPDATE meta SET value = json_set(value, '$.clocks', json((
		SELECT json_group_array(CASE WHEN json_extract(c.value, '$.kind') = 'notify'
			THEN json_remove(json_set(c.value, '$.applies', 'breach', '$.from', 'aware', '$.hours', 72, '$.met_by', 'notified'), '$.months')
			ELSE json(c.value) END)
		FROM (SELECT value FROM json_each(meta.value, '$.clocks') ORDER BY key) AS c)))
	WHERE key = 'policy' AND json_valid(value) AND json_type(value, '$.clocks') = 'array';
