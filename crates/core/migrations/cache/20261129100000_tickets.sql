-- Service tickets as the backend listed them (replaced on each sync; a queued report lives in
-- the outbox until the backend has it).
CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    membership_id TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX tickets_by_membership ON tickets (membership_id, created_at_ms DESC);
