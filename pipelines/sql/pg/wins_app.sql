-- The peer-wins board's app state (PostgreSQL): the twin of ../wins_app.sql.
-- See pipelines/appstate/wins.py.

-- name: insert_win
INSERT INTO app_wins (win_id, posted_by, posted_by_user, posted_at, category, text, client_id, suggestion_id,
                      phi_confirmed)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s);

-- name: wins_between
-- app-posted wins by the given clinicians (an array) from the first time (inclusive) to the second (exclusive)
SELECT win_id, posted_at, category, text, posted_by, client_id, suggestion_id
FROM app_wins
WHERE posted_by = ANY(%s)
  AND posted_at >= %s AND posted_at < %s
ORDER BY posted_at DESC, win_id;

-- name: posted_suggestions
-- suggestion ids already posted (an array in, the posted ones out)
SELECT DISTINCT suggestion_id FROM app_wins WHERE suggestion_id = ANY(%s);

-- name: reaction_delete
DELETE FROM win_reactions WHERE win_id = %s AND username = %s;

-- name: reaction_insert
INSERT INTO win_reactions (win_id, username, reacted_at) VALUES (%s, %s, %s);

-- name: reactions_for
-- per win (an array): how many celebrate reactions, and whether the user is one of them
SELECT win_id, count(*) AS celebrations, bool_or(username = %s) AS celebrated_by_me
FROM win_reactions
WHERE win_id = ANY(%s)
GROUP BY win_id;

-- name: celebrate
INSERT INTO win_celebrations (win_id, meeting_date, marked_by, marked_at) VALUES (%s, %s, %s, %s)
ON CONFLICT DO NOTHING;

-- name: celebrations_for
-- per win (an array): the latest meeting it was celebrated in
SELECT win_id, max(meeting_date) AS celebrated_on
FROM win_celebrations
WHERE win_id = ANY(%s)
GROUP BY win_id;
