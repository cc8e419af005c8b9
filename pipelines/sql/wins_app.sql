-- The peer-wins board's app state (SQLite): app-posted wins, celebrate reactions
-- and meeting marks. Several named queries; see pipelines/appstate/wins.py.

-- name: insert_win
INSERT INTO app_wins (win_id, posted_by, posted_by_user, posted_at, category, text, client_id, suggestion_id,
                      phi_confirmed)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);

-- name: wins_between
-- app-posted wins by the given clinicians (JSON list) from ? (inclusive) to ? (exclusive)
SELECT win_id, posted_at, category, text, posted_by, client_id, suggestion_id
FROM app_wins
WHERE posted_by IN (SELECT value FROM json_each(?))
  AND posted_at >= ? AND posted_at < ?
ORDER BY posted_at DESC, win_id;

-- name: posted_suggestions
-- suggestion ids already posted (JSON list in, the posted ones out)
SELECT DISTINCT suggestion_id FROM app_wins WHERE suggestion_id IN (SELECT value FROM json_each(?));

-- name: reaction_delete
DELETE FROM win_reactions WHERE win_id = ? AND username = ?;

-- name: reaction_insert
INSERT INTO win_reactions (win_id, username, reacted_at) VALUES (?, ?, ?);

-- name: reactions_for
-- per win (JSON list): how many celebrate reactions, and whether ? is one of them
SELECT win_id, count(*) AS celebrations, max(username = ?) AS celebrated_by_me
FROM win_reactions
WHERE win_id IN (SELECT value FROM json_each(?))
GROUP BY win_id;

-- name: celebrate
INSERT OR IGNORE INTO win_celebrations (win_id, meeting_date, marked_by, marked_at) VALUES (?, ?, ?, ?);

-- name: celebrations_for
-- per win (JSON list): the latest meeting it was celebrated in
SELECT win_id, max(meeting_date) AS celebrated_on
FROM win_celebrations
WHERE win_id IN (SELECT value FROM json_each(?))
GROUP BY win_id;
