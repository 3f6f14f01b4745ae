-- Whether the resident wants desktop notifications of their tickets' progress (on by default;
-- the OS's own setting still decides whether they appear).
ALTER TABLE app_state ADD COLUMN notifications INTEGER NOT NULL DEFAULT 1;
