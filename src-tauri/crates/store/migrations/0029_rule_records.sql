-- The records a rule made (a welcome note, a summary note, a follow-up task), by the connection
-- that holds them: the timeline and the children engine tell them apart from people's work (a
-- summary note stays in GHL; it is not copied to the app it summarizes).
CREATE TABLE rule_records (
    pair_id       TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    object_kind   TEXT NOT NULL,
    remote_id     TEXT NOT NULL,
    rule          TEXT NOT NULL,
    contact_id    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (connection_id, object_kind, remote_id)
);
CREATE INDEX rule_records_contact ON rule_records (contact_id);
