-- Sign-in by SMS code. Only an HMAC of each code is kept (keyed by the server's
-- `sms_code_secret` setting); a phone's newest code is the only one ever checked, so asking
-- for a new code voids the old. Rows are kept two days for the daily caps, then deleted.
CREATE TABLE sms_codes (
    id         TEXT PRIMARY KEY,
    phone      TEXT NOT NULL,
    code_mac   BLOB NOT NULL,
    client     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    tries      INTEGER NOT NULL DEFAULT 0,
    used_at    INTEGER
) STRICT;
CREATE INDEX sms_codes_by_phone ON sms_codes(phone, created_at);
CREATE INDEX sms_codes_by_client ON sms_codes(client, created_at);

-- What the built-in sender "sent": the demo and the tests read codes here. A real SMS
-- provider replaces the sender, and this table stays empty.
CREATE TABLE sms_outbox (
    id      INTEGER PRIMARY KEY,
    phone   TEXT NOT NULL,
    body    TEXT NOT NULL,
    sent_at INTEGER NOT NULL
) STRICT;
