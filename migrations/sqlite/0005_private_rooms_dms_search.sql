-- The SQLite twin of migrations/mysql/0005_private_rooms_dms_search.sql.

ALTER TABLE rooms ADD COLUMN kind TEXT NOT NULL DEFAULT 'public';

-- Search: an FTS5 index over messages.content (external content), kept in step by triggers;
-- a tombstone's content is '' and so leaves the index.
CREATE VIRTUAL TABLE messages_fts USING fts5(content, content = 'messages', content_rowid = 'id');
INSERT INTO messages_fts (rowid, content) SELECT id, content FROM messages;
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
