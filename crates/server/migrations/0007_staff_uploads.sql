-- Staff upload photos too (after-photos on completion), so an upload belongs to a resident
-- (user_id) or to a staff member (staff_id), exactly one. SQLite cannot relax NOT NULL in
-- place, so the table is rebuilt. Migrations run in a transaction with foreign keys on, so the
-- photos attached to tickets step aside while `uploads` is replaced (nothing points at the old
-- table when it is dropped) and come back after. ticket_attachments names `uploads` and keeps
-- doing so. db.rs tests this on a database holding an attached photo.
CREATE TABLE ticket_attachments_kept AS SELECT * FROM ticket_attachments;
DELETE FROM ticket_attachments;
CREATE TABLE uploads_rebuilt (
    id            TEXT PRIMARY KEY,
    user_id       TEXT REFERENCES users(id),
    staff_id      TEXT REFERENCES staff(id),
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
    height        INTEGER,
    CHECK ((user_id IS NULL) <> (staff_id IS NULL))
) STRICT;
INSERT INTO uploads_rebuilt (id, user_id, staff_id, length, offset, metadata, filename,
    content_type, purpose, expected_sha256, created_at, expires_at, status, reason, sha256,
    width, height)
SELECT id, user_id, NULL, length, offset, metadata, filename, content_type, purpose,
    expected_sha256, created_at, expires_at, status, reason, sha256, width, height
FROM uploads;
DROP TABLE uploads;
ALTER TABLE uploads_rebuilt RENAME TO uploads;
CREATE INDEX uploads_by_expiry ON uploads(status, expires_at);
INSERT INTO ticket_attachments (upload_id, ticket_id, event_id, position)
SELECT upload_id, ticket_id, event_id, position FROM ticket_attachments_kept;
DROP TABLE ticket_attachments_kept;
