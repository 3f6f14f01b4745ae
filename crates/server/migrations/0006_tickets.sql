-- Service tickets (repairs, complaints, suggestions, praise), their timelines, and the staff
-- who work on them.

CREATE TABLE staff (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    post       TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE tickets (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    membership_id   TEXT NOT NULL REFERENCES memberships(id),
    user_id         TEXT NOT NULL REFERENCES users(id),
    kind            TEXT NOT NULL,
    category        TEXT NOT NULL,
    place           TEXT NOT NULL,
    place_note      TEXT,
    urgency         TEXT NOT NULL,
    description     TEXT NOT NULL,
    visit_windows   TEXT NOT NULL,
    anonymous       INTEGER NOT NULL DEFAULT 0,
    bill_line_id    TEXT,
    state           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    response_due_at INTEGER NOT NULL,
    fix_due_at      INTEGER NOT NULL,
    responded_at    INTEGER,
    completed_at    INTEGER,
    confirmed_at    INTEGER,
    resume_on       TEXT,
    payment_minor   INTEGER,
    assignee        TEXT,
    rating          TEXT
) STRICT;
CREATE INDEX tickets_by_user ON tickets(user_id, created_at);
CREATE INDEX tickets_by_state ON tickets(state);

CREATE TABLE ticket_events (
    id          TEXT PRIMARY KEY,
    ticket_id   TEXT NOT NULL REFERENCES tickets(id),
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    note        TEXT
) STRICT;
CREATE INDEX ticket_events_by_ticket ON ticket_events(ticket_id, at);

-- Photos of a ticket or of one of its events.
CREATE TABLE ticket_attachments (
    upload_id TEXT PRIMARY KEY REFERENCES uploads(id),
    ticket_id TEXT NOT NULL REFERENCES tickets(id),
    event_id  TEXT REFERENCES ticket_events(id),
    position  INTEGER NOT NULL
) STRICT;
