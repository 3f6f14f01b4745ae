-- Gate entries are counted on the pass itself, by one UPDATE that only moves while
-- entries_used < max_entries (no read-then-write); the count so far is carried over.
ALTER TABLE passes ADD COLUMN entries_used INTEGER NOT NULL DEFAULT 0;
UPDATE passes SET entries_used = (SELECT COUNT(*) FROM pass_entries e WHERE e.pass_id = passes.id);
-- An entry a gate reported that the backend did not count (another group, outside the pass's
-- window, after its revocation, past max_entries) is kept with its ErrorCode, so a re-sent one
-- answers the same; NULL for a counted entry, the only ones a resident sees.
ALTER TABLE pass_entries ADD COLUMN refusal TEXT;
