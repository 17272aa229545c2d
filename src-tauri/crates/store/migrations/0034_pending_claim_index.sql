-- Each contact a pull stores for the first time asks whether it is one of our own creates
-- whose answer was lost (`contacts::pending::claimable`): a pending row, one without a GHL id
-- yet. Few rows are ever pending, so this index is a page or two, where the match-key indexes
-- it used to search hold the whole location (issue #13: the store path at 100,000 contacts).
-- Rows with a GHL id are not in it, so it costs the other writes nothing.
CREATE INDEX contacts_pending ON contacts (ghl_connection_id, match_email, match_phone)
    WHERE ghl_contact_id IS NULL;
