-- The backend the resident chose by joining a community (加入小区): one row, or none before
-- the first join. `ca_der` is the CA certificate a join link's pin matched (trusted for this
-- backend besides the public roots); NULL when the link carried no pin.
CREATE TABLE backend (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    url TEXT NOT NULL,
    ca_der BLOB,
    community_id TEXT NOT NULL,
    community_name TEXT NOT NULL,
    joined_at TEXT NOT NULL
);
