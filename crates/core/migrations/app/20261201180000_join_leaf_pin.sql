-- A join link's pin may name the backend's own (leaf) certificate as well as a CA in its chain
-- (issue 10, part 1), and the two are trusted differently: a pinned CA is an extra root, a
-- pinned leaf is the only certificate trusted for that backend. `pin_kind` says which
-- (`ca` or `leaf`), `pinned_der` is that certificate; both NULL when the link had no pin.
-- Rows from before name a CA (the only kind then).
CREATE TABLE backend_pinned (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    url TEXT NOT NULL,
    pin_kind TEXT CHECK (pin_kind IN ('ca', 'leaf')),
    pinned_der BLOB,
    community_id TEXT NOT NULL,
    community_name TEXT NOT NULL,
    joined_at TEXT NOT NULL,
    CHECK ((pin_kind IS NULL) = (pinned_der IS NULL))
);
INSERT INTO backend_pinned (id, url, pin_kind, pinned_der, community_id, community_name, joined_at)
SELECT id, url, CASE WHEN ca_der IS NULL THEN NULL ELSE 'ca' END, ca_der, community_id,
       community_name, joined_at
FROM backend;
DROP TABLE backend;
ALTER TABLE backend_pinned RENAME TO backend;
