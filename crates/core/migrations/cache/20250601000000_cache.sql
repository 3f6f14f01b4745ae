-- cache.db: one per account under accounts/<user id>/. Deleted with the folder on sign-out.
-- Append-only: add new migrations, never edit this file after release.

-- The signed-in resident (`User` as JSON), from GET /v1/me.
CREATE TABLE account (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    user_id TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Households (`Membership` as JSON); `position` keeps the server's order (active first).
CREATE TABLE memberships (
    id TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    state TEXT NOT NULL,
    position INTEGER NOT NULL,
    data TEXT NOT NULL
);

-- Notices as the server last sent them (`Notice` as JSON). Pending outbox read marks are
-- projected over these rows when read, never written into them.
CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    community_id TEXT NOT NULL,
    pinned INTEGER NOT NULL,
    urgent INTEGER NOT NULL,
    published_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER,
    version INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX notices_by_community
    ON notices (community_id, pinned DESC, urgent DESC, published_at_ms DESC);

-- One row: where the change feed continues, and when the cache was last brought up to date.
CREATE TABLE sync_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    cursor TEXT,
    last_synced_at TEXT
);
INSERT INTO sync_state (id) VALUES (1);

-- The durable queue of writes. `seq` orders items; `id` (UUIDv7) is the Idempotency-Key.
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    aggregate TEXT NOT NULL,
    payload_version INTEGER NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL
        CHECK (state IN ('pending', 'in_flight', 'done', 'rejected', 'blocked')),
    attempts INTEGER NOT NULL DEFAULT 0,
    -- Unix milliseconds (injected clock).
    next_attempt_at_ms INTEGER NOT NULL,
    last_error_code TEXT,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE INDEX outbox_open_items ON outbox (state, aggregate, seq);
