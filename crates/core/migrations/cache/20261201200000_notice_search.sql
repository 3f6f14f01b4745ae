-- Full-text search over the cached notices' title and body (search_notices), offline.
-- The trigram tokenizer indexes every run of three characters, so Chinese needs no word
-- segmenter; queries shorter than three characters are answered with LIKE over the same
-- table (notices/search.rs). Rows share the notices' rowid and are kept in step by the
-- triggers below, so every write of the notices table (feed upserts, tombstones, a bootstrap's
-- wipe, a home's notices forgotten) updates the index in its own transaction. (A VACUUM may
-- renumber the notices' rowids: the core never runs one; one that did would rebuild this table.)
CREATE VIRTUAL TABLE notice_search USING fts5(title, body, tokenize = 'trigram');

CREATE TRIGGER notice_search_insert AFTER INSERT ON notices BEGIN
    INSERT INTO notice_search (rowid, title, body)
    VALUES (new.rowid, new.data ->> '$.title', new.data ->> '$.body');
END;

CREATE TRIGGER notice_search_update AFTER UPDATE OF data ON notices BEGIN
    DELETE FROM notice_search WHERE rowid = old.rowid;
    INSERT INTO notice_search (rowid, title, body)
    VALUES (new.rowid, new.data ->> '$.title', new.data ->> '$.body');
END;

CREATE TRIGGER notice_search_delete AFTER DELETE ON notices BEGIN
    DELETE FROM notice_search WHERE rowid = old.rowid;
END;

INSERT INTO notice_search (rowid, title, body)
SELECT rowid, data ->> '$.title', data ->> '$.body' FROM notices;
