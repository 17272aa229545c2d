-- An app record missing from a complete scan of its app (and confirmed gone by a read of its
-- own) is deleted: kept as the record of the delete, never matched or planned again. Cleared
-- if the app ever lists it again.
ALTER TABLE remote_records ADD COLUMN deleted_at TEXT;
