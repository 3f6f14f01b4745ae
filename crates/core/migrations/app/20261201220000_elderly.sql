-- 长辈模式 (elderly mode, issue 13 part 3): a setting of this device, not of an account, so it
-- survives sign-out and restarts. `elderly_offered` is set once the resident has answered the
-- one-time offer after their first sign-in (or switched the mode on 我的), so it is never
-- asked again.
ALTER TABLE app_state ADD COLUMN elderly INTEGER NOT NULL DEFAULT 0;
ALTER TABLE app_state ADD COLUMN elderly_offered INTEGER NOT NULL DEFAULT 0;
