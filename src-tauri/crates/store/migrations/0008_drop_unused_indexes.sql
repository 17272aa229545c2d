-- Matching looks contacts up by their normalized keys (contacts_match_email/_phone, 0004);
-- the raw-column indexes only cost every contact write.
DROP INDEX contacts_email;
DROP INDEX contacts_phone;
