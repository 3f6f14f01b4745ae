-- Visitor passes as the backend issued them (the list is replaced on each sync).
CREATE TABLE passes (
    id TEXT PRIMARY KEY,
    membership_id TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX passes_by_membership ON passes (membership_id, created_at_ms DESC);
