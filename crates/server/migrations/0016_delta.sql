-- The change log's third scope: a unit (a home), whose members with an active membership see
-- the row (its bills and payments, its home requests). Such a row also names the unit's
-- community, so the table's check (a community or a user) still holds.
ALTER TABLE change_log ADD COLUMN unit_id TEXT;
CREATE INDEX change_log_by_unit ON change_log(unit_id, seq);
