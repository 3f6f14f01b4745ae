-- app.db: device-wide state. Never holds tokens (those live in the OS keyring).
-- Append-only: add new migrations, never edit this file after release.

-- One row: the UI language, who is signed in, and why the last session ended on its own.
CREATE TABLE app_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    locale TEXT NOT NULL DEFAULT 'zh-CN',
    signed_in_user_id TEXT,
    -- "<user id>@<backend host:port>": the token store entry of the signed-in account.
    signed_in_account_key TEXT,
    -- An ErrorCode (kebab-case) when the session ended without the resident asking.
    ended_because TEXT
);
INSERT INTO app_state (id) VALUES (1);

-- The household (membership) each account last chose; kept across sign-outs.
CREATE TABLE households (
    user_id TEXT PRIMARY KEY,
    membership_id TEXT NOT NULL,
    chosen_at TEXT NOT NULL
);
