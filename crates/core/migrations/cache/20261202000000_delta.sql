-- Tickets and passes now also arrive one by one through the change feed: `version` is the
-- feed's (the change's sequence number; 0 for a row from a list read whole), so a change
-- delivered again never overwrites a newer one.
ALTER TABLE tickets ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE passes ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
-- The last answer of each list read whole with its ETag (`target`: path and query), so a
-- re-read sends If-None-Match and a 304 reuses the body kept here.
CREATE TABLE kept_answers (
    target TEXT PRIMARY KEY,
    etag TEXT NOT NULL,
    body BLOB NOT NULL
);
