-- The sign-in throttle (features/auth/throttle.rs): one row per attempt at a secret (a
-- password or an SMS code) that is not known to have succeeded. A row is written before the
-- secret is checked, in the transaction that counts the rows already standing, and deleted
-- when the check succeeds; a wrong secret leaves it. It replaces login_failures (counted per
-- phone only, after the check), whose rows are dropped: they were at most 15 minutes of
-- throttle state. sms_codes.tries is no longer written: a code's tries are its phone's
-- sms-code attempts since the code was made.
CREATE TABLE sign_in_attempts (
    id     INTEGER PRIMARY KEY,
    kind   TEXT NOT NULL CHECK (kind IN ('password', 'sms-code')),
    phone  TEXT NOT NULL,
    client TEXT NOT NULL,
    at     INTEGER NOT NULL
) STRICT;
CREATE INDEX sign_in_attempts_by_phone ON sign_in_attempts(phone, at);
CREATE INDEX sign_in_attempts_by_client ON sign_in_attempts(client, at);

DROP TABLE login_failures;
