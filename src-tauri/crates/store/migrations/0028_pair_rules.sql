-- The operator's switchable workflows, per pair (the pair is its app connection): each rule is
-- off until switched on, and remembers when it was switched on (a welcome note greets only
-- contacts first seen after that) and its settings as JSON in the rule's own terms.
CREATE TABLE pair_rules (
    pair_id    TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    rule       TEXT NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 0,
    config     TEXT NOT NULL DEFAULT '{}',
    enabled_at TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (pair_id, rule)
);
