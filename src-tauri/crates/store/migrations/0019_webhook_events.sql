-- GHL webhook events, each stored before it is answered with 200. An event is a hint, never
-- data: the next sync reads the records it names from GHL's API (`read_at` set then). Its
-- `webhook_id` is the primary key, so a replayed delivery is refused by the insert itself.
CREATE TABLE webhook_events (
    webhook_id  TEXT PRIMARY KEY,
    location_id TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    -- The GHL contact the event names; NULL when it names none (TaskCreate may lack it, ghl#332).
    contact_id  TEXT,
    -- The record it names: a contact, task, note or appointment id.
    record_id   TEXT,
    -- The payload's own `timestamp`, and when this receiver stored it.
    sent_at     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    -- The raw body as received (its signature was checked over these bytes).
    body        TEXT NOT NULL,
    -- When a sync read the records the event names; NULL while it is a pending hint.
    read_at     TEXT
);
CREATE INDEX webhook_events_pending ON webhook_events (location_id, read_at);
CREATE INDEX webhook_events_received ON webhook_events (received_at);
