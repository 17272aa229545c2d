-- Pairs: which GHL location each app connection syncs with (DESIGN.md, "Pair").
-- An app connection belongs to exactly one pair, so the pair's id is the app connection's id:
-- links, mirrors, cursors, conflicts, reviews and journal rows already keyed by the app
-- connection are keyed by the pair, and a person in two locations is two contacts (contacts
-- are keyed by their GHL connection).
CREATE TABLE pairs (
    app_connection_id TEXT PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
    ghl_connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX pairs_ghl ON pairs (ghl_connection_id);

-- An existing database had one hub: each app connection is bound to the only GHL connection.
-- With several (or none), nothing is bound and `bridge sync` asks the operator to choose.
INSERT INTO pairs (app_connection_id, ghl_connection_id, created_at, updated_at)
    SELECT app.id, ghl.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM connections app, connections ghl
    WHERE app.system <> 'ghl' AND ghl.system = 'ghl'
      AND (SELECT count(*) FROM connections WHERE system = 'ghl') = 1;
