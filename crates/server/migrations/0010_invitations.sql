-- An owner invites family or a tenant by phone; accepting makes an active membership. A
-- tenancy's last day is kept on the membership (`ends_on`, YYYY-MM-DD in Beijing; NULL for
-- owners and family).
ALTER TABLE memberships ADD COLUMN ends_on TEXT;

CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    unit_id     TEXT NOT NULL REFERENCES units(id),
    invited_by  TEXT NOT NULL REFERENCES memberships(id),
    phone       TEXT NOT NULL,
    role        TEXT NOT NULL,
    ends_on     TEXT,
    state       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    decided_at  INTEGER
) STRICT;
CREATE INDEX invitations_by_phone ON invitations(phone, state);
