-- Binding a home. The property's owner records (业主登记): who owns each room by the deeds the
-- property holds (a room may have co-owners). Filled by the seed for the demo and by
-- `linli-server owner-record` for a real deployment. Only a masked hint of a name ever
-- leaves the backend.
CREATE TABLE owner_records (
    unit_id     TEXT NOT NULL REFERENCES units(id),
    owner_name  TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (unit_id, owner_name)
) STRICT, WITHOUT ROWID;

-- A resident's request to bind a room as owner, family or tenant. `waits_for` names the
-- decider while pending (owner or desk); `decided_by` who decided (record, owner or desk).
-- `name_matched`: an owner claim checked against the record, 1 when it bound the room, 0 when
-- not (a wrong name, or any name while guessing); NULL when not checked. Guesses are counted.
CREATE TABLE home_requests (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users(id),
    unit_id       TEXT NOT NULL REFERENCES units(id),
    relation      TEXT NOT NULL,
    ends_on       TEXT,
    owner_name    TEXT,
    name_matched  INTEGER,
    state         TEXT NOT NULL,
    waits_for     TEXT,
    decided_by    TEXT,
    decider       TEXT,
    reason        TEXT,
    membership_id TEXT REFERENCES memberships(id),
    created_at    INTEGER NOT NULL,
    decided_at    INTEGER
) STRICT;
CREATE INDEX home_requests_by_user ON home_requests(user_id, created_at);
CREATE INDEX home_requests_by_unit ON home_requests(unit_id, state);
-- One pending request per resident and room.
CREATE UNIQUE INDEX home_requests_one_pending ON home_requests(user_id, unit_id)
    WHERE state = 'pending';
