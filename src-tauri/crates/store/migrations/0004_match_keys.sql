-- Normalized match keys of each contact (trimmed lowercase email, E.164 phone), indexed, so a
-- record from another app finds its contact with one indexed lookup instead of a scan.
ALTER TABLE contacts ADD COLUMN match_email TEXT;
ALTER TABLE contacts ADD COLUMN match_phone TEXT;
CREATE INDEX contacts_match_email ON contacts (ghl_connection_id, match_email);
CREATE INDEX contacts_match_phone ON contacts (ghl_connection_id, match_phone);

-- Records that matched more than one contact, or none where a match was required: the
-- operator decides; nothing is guessed.
CREATE TABLE match_reviews (
    id            INTEGER PRIMARY KEY,
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    remote_id     TEXT NOT NULL,
    match_key     TEXT NOT NULL,
    candidates    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    resolved_at   TEXT,
    UNIQUE (connection_id, remote_id)
);
