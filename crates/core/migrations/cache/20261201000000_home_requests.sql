-- Home requests as the backend listed them, replaced whole on each sync: `list` is `mine`
-- (the resident's own) or `decide` (waiting for them as a room's owner). One row in
-- `home_request_pulls` once a pull has stored them, so the first pull announces nothing.
CREATE TABLE home_requests (
    list TEXT NOT NULL,
    id TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (list, id)
);
CREATE TABLE home_request_pulls (
    id INTEGER PRIMARY KEY CHECK (id = 1)
);
