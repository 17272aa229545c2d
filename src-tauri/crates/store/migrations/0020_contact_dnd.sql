-- GHL's do-not-disturb on the mirrored contact: `dnd` (every channel at once; NULL when GHL did
-- not say) and `dnd_settings`, a JSON object channel → status (`active`, `inactive`,
-- `permanent`), so a mapping can carry them (Connectif's subscription statuses).
ALTER TABLE contacts ADD COLUMN dnd INTEGER;
ALTER TABLE contacts ADD COLUMN dnd_settings TEXT NOT NULL DEFAULT '{}';
