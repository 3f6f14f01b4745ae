-- Linli reference backend, schema v1. Append-only: never edit a released migration.
-- Ids are UUID text; times are Unix milliseconds (UTC) so comparisons are exact.

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) STRICT;

CREATE TABLE communities (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    address          TEXT NOT NULL,
    property_company TEXT NOT NULL,
    service_phone    TEXT NOT NULL
) STRICT;

CREATE TABLE units (
    id            TEXT PRIMARY KEY,
    community_id  TEXT NOT NULL REFERENCES communities(id),
    building      TEXT NOT NULL,
    entrance      TEXT NOT NULL,
    room          TEXT NOT NULL,
    area_centi_m2 INTEGER NOT NULL CHECK (area_centi_m2 > 0),
    UNIQUE (community_id, building, entrance, room)
) STRICT;

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    phone         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE memberships (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users(id),
    unit_id    TEXT NOT NULL REFERENCES units(id),
    role       TEXT NOT NULL,
    state      TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    UNIQUE (user_id, unit_id)
) STRICT;
CREATE INDEX memberships_by_user ON memberships(user_id);

CREATE TABLE notices (
    id           TEXT PRIMARY KEY,
    community_id TEXT NOT NULL REFERENCES communities(id),
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    body         TEXT NOT NULL,
    category     TEXT NOT NULL,
    priority     TEXT NOT NULL,
    pinned       INTEGER NOT NULL DEFAULT 0,
    publisher    TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    starts_at    INTEGER,
    ends_at      INTEGER,
    expires_at   INTEGER,
    version      INTEGER NOT NULL DEFAULT 1
) STRICT;
CREATE INDEX notices_by_community ON notices(community_id, published_at DESC, id);

-- Read state is per resident and monotonic: the earliest mark is kept.
CREATE TABLE notice_reads (
    user_id   TEXT NOT NULL REFERENCES users(id),
    notice_id TEXT NOT NULL REFERENCES notices(id) ON DELETE CASCADE,
    read_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, notice_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE login_failures (
    phone TEXT NOT NULL,
    at    INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_by_phone ON login_failures(phone, at);

-- One family per sign-in; every refresh token of that sign-in belongs to it.
CREATE TABLE token_families (
    id             TEXT PRIMARY KEY,
    user_id        TEXT NOT NULL REFERENCES users(id),
    created_at     INTEGER NOT NULL,
    last_used_at   INTEGER NOT NULL,
    revoked_at     INTEGER,
    revoked_reason TEXT
) STRICT;

-- Only the SHA-256 of a refresh token is stored. `rotated_at` is set when it was exchanged for
-- `successor_hash`.
CREATE TABLE refresh_tokens (
    hash           BLOB PRIMARY KEY,
    family_id      TEXT NOT NULL REFERENCES token_families(id) ON DELETE CASCADE,
    issued_at      INTEGER NOT NULL,
    rotated_at     INTEGER,
    successor_hash BLOB
) STRICT;
CREATE INDEX refresh_tokens_by_family ON refresh_tokens(family_id);

-- Outcomes of writes by (user, Idempotency-Key); 5xx outcomes are never stored.
CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    key          TEXT NOT NULL,
    fingerprint  BLOB NOT NULL,
    status       INTEGER NOT NULL,
    content_type TEXT,
    body         BLOB NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) STRICT;
CREATE INDEX idempotency_keys_by_age ON idempotency_keys(created_at);

-- Every change, in order. A row is scoped to a community (all its residents see it) or to one
-- user (their read marks, their memberships).
CREATE TABLE change_log (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    op           TEXT NOT NULL,
    community_id TEXT,
    user_id      TEXT,
    at           INTEGER NOT NULL,
    CHECK ((community_id IS NULL) <> (user_id IS NULL))
) STRICT;
CREATE INDEX change_log_by_community ON change_log(community_id, seq);
CREATE INDEX change_log_by_user ON change_log(user_id, seq);
