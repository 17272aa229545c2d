-- The values both sides agreed on after the last sync, per field in the app's terms (JSON):
-- the base of the next three-way comparison. Kept on the contact's link to the app.
ALTER TABLE links ADD COLUMN base TEXT NOT NULL DEFAULT '{}';
