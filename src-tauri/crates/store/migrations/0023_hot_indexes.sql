-- Indexes on the filters every sync runs, found with EXPLAIN QUERY PLAN (issue #13): without
-- them each is a scan of the whole location (100,000 contacts, a million activities).

-- "When was a contact of the location last stored" (max(updated_at)), and the contacts
-- stored since a cursor.
CREATE INDEX contacts_updated ON contacts (ghl_connection_id, updated_at);
-- The same for activities (child and push plans), and appointments by time window.
CREATE INDEX activities_updated ON activities (connection_id, updated_at);
CREATE INDEX activities_window ON activities (connection_id, kind, starts_at);
-- The oldest mirrored records of a kind first (the app side's re-reads).
CREATE INDEX remote_records_updated ON remote_records (connection_id, object_kind, updated_at);
-- Recent runs first (History, breakdowns).
CREATE INDEX sync_runs_started ON sync_runs (started_at);
-- Finished journal rows by age, for the retention policy; covers the old state-only index.
CREATE INDEX operations_state_updated ON operations (state, updated_at);
DROP INDEX operations_state;
