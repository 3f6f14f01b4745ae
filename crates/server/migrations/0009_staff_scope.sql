-- Staff belong to a property company and serve some of its communities, with a role of their
-- own: service (客服), engineering (工程) or manager (管理). Every staff route checks both: a
-- ticket of a community the staff member does not serve is not found; an action outside the
-- role is forbidden. Staff enrolled before this migration serve no community until enrolled
-- again (`linli-server staff-add --community …`): nothing is opened up by default.
ALTER TABLE staff ADD COLUMN company TEXT NOT NULL DEFAULT '';
ALTER TABLE staff ADD COLUMN role TEXT NOT NULL DEFAULT 'service';

CREATE TABLE staff_communities (
    staff_id     TEXT NOT NULL REFERENCES staff(id),
    community_id TEXT NOT NULL REFERENCES communities(id),
    PRIMARY KEY (staff_id, community_id)
) STRICT;
