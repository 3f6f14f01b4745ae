-- Resumable uploads (tus 1.0.0) of residents' photos. The id is the attachment id the client
-- chose (UUIDv7), so a retried creation finds the same upload. Bytes live in
-- <data dir>/uploads/<id>; only the metadata is here.
CREATE TABLE uploads (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id),
    length        INTEGER NOT NULL CHECK (length >= 0),
    offset        INTEGER NOT NULL DEFAULT 0 CHECK (offset >= 0 AND offset <= length),
    metadata      TEXT NOT NULL,
    filename      TEXT,
    content_type  TEXT,
    purpose       TEXT,
    expected_sha256 TEXT,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    -- uploading, complete or rejected (with reason)
    status        TEXT NOT NULL DEFAULT 'uploading',
    reason        TEXT,
    sha256        TEXT,
    width         INTEGER,
    height        INTEGER
) STRICT;
CREATE INDEX uploads_by_expiry ON uploads(status, expires_at);
