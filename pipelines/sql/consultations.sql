-- The peer-consultation queue (SQLite app state). Several named queries; see
-- pipelines/appstate/consultations.py.

-- name: insert_item
INSERT INTO consultations (client_id, clinician_id, team, brought_by, brought_at, as_of, question, from_flag,
                           flags_then, momentum_then, measure, score_then, phi_confirmed)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING item_id;

-- name: insert_note
INSERT INTO consultation_notes (item_id, meeting_date, ideas, next_step, recorded_by, recorded_at)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING note_id;

-- name: items_for
-- items about clients of the given clinicians (JSON list), newest first, each
-- with its latest note (ideas, agreed next step) if the group has discussed it
SELECT c.item_id, c.client_id, c.clinician_id, c.team, c.brought_by, c.brought_at, c.as_of, c.question,
       c.from_flag, c.flags_then, c.momentum_then, c.measure, c.score_then,
       n.meeting_date, n.ideas, n.next_step, n.recorded_by, n.recorded_at,
       (SELECT count(*) FROM consultation_notes x WHERE x.item_id = c.item_id) AS notes
FROM consultations c
LEFT JOIN consultation_notes n
       ON n.note_id = (SELECT max(note_id) FROM consultation_notes m WHERE m.item_id = c.item_id)
WHERE c.clinician_id IN (SELECT value FROM json_each(?))
ORDER BY c.item_id DESC;

-- name: notes_for
SELECT note_id, item_id, meeting_date, ideas, next_step, recorded_by, recorded_at
FROM consultation_notes
WHERE item_id = ?
ORDER BY note_id;

-- name: item_clinician
SELECT clinician_id FROM consultations WHERE item_id = ?;
