-- Tabletop exercises. A database is an exercise from its creation (meta
-- mode = 'exercise') and never becomes live, nor a live one an exercise.

-- The simulated clock: every process computes the same simulated time
-- from it. Times are unix milliseconds.
CREATE TABLE exercise (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	title    TEXT NOT NULL,
	scenario TEXT NOT NULL,   -- the scenario as given
	start    INTEGER NOT NULL, -- simulated start
	sim_at   INTEGER NOT NULL, -- simulated time at anchor
	anchor   INTEGER NOT NULL, -- real time at which it was sim_at
	speed    INTEGER NOT NULL CHECK (speed BETWEEN 1 AND 600),
	paused   INTEGER NOT NULL,
	started  INTEGER NOT NULL
) STRICT;

-- Each inject fires once: claimed by the transaction that applies it.
CREATE TABLE injects (
	n        INTEGER PRIMARY KEY,
	at_s     INTEGER NOT NULL, -- offset from the simulated start, seconds
	kind     TEXT NOT NULL,
	fired_at INTEGER           -- real time it fired, unix ms; NULL until then
) STRICT;
