-- Visitor passes and the gates that check them.

-- Ed25519 keys that sign a community's passes. Several may be trusted at once (rotation);
-- the newest unretired one signs.
CREATE TABLE pass_keys (
    kid          TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities(id),
    seed         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    retired_at   INTEGER
) STRICT;
CREATE INDEX pass_keys_by_community ON pass_keys(community_id, created_at);

CREATE TABLE passes (
    id            TEXT PRIMARY KEY,
    membership_id TEXT NOT NULL REFERENCES memberships(id),
    user_id       TEXT NOT NULL REFERENCES users(id),
    community_id  TEXT NOT NULL REFERENCES communities(id),
    visitor_name  TEXT NOT NULL,
    visitor_phone TEXT,
    plate         TEXT,
    purpose       TEXT NOT NULL,
    valid_from    INTEGER NOT NULL,
    valid_until   INTEGER NOT NULL,
    max_entries   INTEGER NOT NULL,
    gate_groups   TEXT NOT NULL,
    kid           TEXT NOT NULL REFERENCES pass_keys(kid),
    credential    TEXT NOT NULL,
    short_code    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    UNIQUE (community_id, short_code)
) STRICT;
CREATE INDEX passes_by_membership ON passes(membership_id, created_at DESC);

-- The order in which passes were revoked, for gates' delta sync.
CREATE TABLE pass_revocations (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    pass_id      TEXT NOT NULL UNIQUE REFERENCES passes(id),
    community_id TEXT NOT NULL,
    at           INTEGER NOT NULL
) STRICT;

-- Gate devices. Only the SHA-256 of a gate's token is stored.
CREATE TABLE gates (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities(id),
    gate_group   TEXT NOT NULL,
    name         TEXT NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE pass_entries (
    id         TEXT PRIMARY KEY,
    pass_id    TEXT NOT NULL REFERENCES passes(id),
    gate_id    TEXT NOT NULL REFERENCES gates(id),
    gate_group TEXT NOT NULL,
    at         INTEGER NOT NULL
) STRICT;
CREATE INDEX pass_entries_by_pass ON pass_entries(pass_id, at);

-- Failed short-code lookups per gate (guessing is throttled).
CREATE TABLE code_failures (
    gate_id TEXT NOT NULL,
    at      INTEGER NOT NULL
) STRICT;
CREATE INDEX code_failures_by_gate ON code_failures(gate_id, at);
