-- One sync per database at a time: the row of the process that holds the right to write.
-- The holder renews `expires_at` while it runs; another process takes the row over only once
-- it has expired (or, on the same host, once the holder's process is gone).
CREATE TABLE sync_lease (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    -- A token unique to one holding (a process may hold it several times, one after another).
    owner      TEXT NOT NULL,
    -- What started the holder: cli, manual, schedule, pull…
    trigger    TEXT NOT NULL,
    pid        INTEGER NOT NULL,
    host       TEXT NOT NULL,
    started_at TEXT NOT NULL,
    renewed_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
