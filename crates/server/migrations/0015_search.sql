-- A notice may concern only parts of its community: `targets` is the JSON list of
-- `{"building": …, "entrance": … | null}` named as the homes directory names them (units'
-- building and entrance), `[]` for the whole community; `service_back_at` is when an outage's
-- service is expected back (Unix ms).
ALTER TABLE notices ADD COLUMN targets TEXT NOT NULL DEFAULT '[]';
ALTER TABLE notices ADD COLUMN service_back_at INTEGER;
