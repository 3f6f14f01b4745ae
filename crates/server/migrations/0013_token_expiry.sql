-- Gate and staff tokens expire and can be revoked (`linli-server gate-revoke` /
-- `staff-revoke`); the extractors refuse a revoked token at once and an expired one with
-- `token-expired`. Tokens issued before this migration get a full term from the upgrade, so
-- no gate goes dark the moment the server is updated.
ALTER TABLE gates ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE gates ADD COLUMN revoked_at INTEGER;
UPDATE gates SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000 + 365 * 86400000;

ALTER TABLE staff ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN revoked_at INTEGER;
UPDATE staff SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) * 1000 + 30 * 86400000;
