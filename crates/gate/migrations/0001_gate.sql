-- A gate's local state: how to reach the backend, the keys it trusts, the passes revoked, and
-- the entries it let in (sent = 1 once the backend acknowledged them).
CREATE TABLE config (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE keys (
    kid          TEXT PRIMARY KEY,
    x            TEXT NOT NULL,
    community_id TEXT NOT NULL
) STRICT;

CREATE TABLE revoked (
    pass_id TEXT PRIMARY KEY
) STRICT;

CREATE TABLE entries (
    id      TEXT PRIMARY KEY,
    pass_id TEXT NOT NULL,
    at      INTEGER NOT NULL,
    sent    INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX entries_by_pass ON entries(pass_id);
