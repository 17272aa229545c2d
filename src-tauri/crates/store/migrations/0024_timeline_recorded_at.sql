-- When each timeline event was stored (issue #13's retention policy): events are pruned by
-- the time we recorded them, never by when they happened (a note written years ago and
-- pulled today is new to the timeline). Rows from before this migration count as recorded now.
ALTER TABLE timeline_events ADD COLUMN recorded_at TEXT;
UPDATE timeline_events SET recorded_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
CREATE INDEX timeline_recorded ON timeline_events (recorded_at);
