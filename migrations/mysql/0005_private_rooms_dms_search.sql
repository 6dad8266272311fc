-- v2: room kinds (public, private, direct) and full-text search.

ALTER TABLE rooms ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'public';
-- A direct room's name_key is CHAR(1) + 'direct:<low user id>:<high user id>': no room name can
-- have it (names have no control characters), and uq_rooms_name_key makes the direct room of
-- a pair unique, race-free.

-- Search: InnoDB's own FULLTEXT index, case-insensitive (a binary collation would make
-- MATCH case-sensitive; no unique key is on content).
ALTER TABLE messages MODIFY content TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL;
CREATE FULLTEXT INDEX ft_messages_content ON messages (content);
