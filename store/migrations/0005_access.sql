-- Access reviews: when each key was last used to log in, and the last
-- access_review event found without scanning the audit log.
ALTER TABLE user_keys ADD COLUMN last_used_at INTEGER;
CREATE INDEX events_action ON events (action, seq);
