-- requires: model:active_flags, model:homework_by_client
-- The homework page's "clients whose completion is dropping": every HOMEWORK_DROP
-- flag in $scope (active_flags, with its since and reason) beside the client's
-- overall and recent completion (homework_by_client.completion_rate and
-- last4_completion), the longest-standing first.
SELECT
    f.client_id,
    f.clinician_id,
    f.since,
    f.reason,
    h.completion_rate,
    h.last4_completion
FROM active_flags f
LEFT JOIN homework_by_client h USING (client_id)
WHERE f.flag = 'HOMEWORK_DROP'
ORDER BY f.since, f.client_id
