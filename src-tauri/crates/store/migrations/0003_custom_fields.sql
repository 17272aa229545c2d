-- A connection's custom field definitions (GHL: the location's contact fields). Cached so a
-- pull spends no request on them until a record carries a field id not listed here.
CREATE TABLE custom_fields (
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    field_id      TEXT NOT NULL,
    field_key     TEXT NOT NULL,
    name          TEXT NOT NULL,
    data_type     TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (connection_id, field_id)
);
