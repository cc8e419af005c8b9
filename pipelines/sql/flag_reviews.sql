-- Flag reviews (SQLite app state). Several named queries; see pipelines/appstate/flag_reviews.py.

-- name: insert
INSERT INTO flag_reviews (client_id, flag, flag_since, action, note, snooze_until, score_at_review,
                          reviewed_by, reviewed_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING review_id;

-- name: reviewed_clients
-- the clients with any review (pipelines/appstate/flag_reviews.py keeps those it was asked for)
SELECT DISTINCT client_id FROM flag_reviews;

-- name: for_clients
-- the reviews of the given clients (a JSON list of client_ids), oldest first
SELECT review_id, client_id, flag, flag_since, action, note, snooze_until, score_at_review,
       reviewed_by, reviewed_at
FROM flag_reviews
WHERE client_id IN (SELECT value FROM json_each(?))
ORDER BY review_id;
