-- requires: scoped_clients
-- One client's goals with their first and latest GOAL rating up to $as_of.
-- Empty outside $scope.
SELECT
    g.goal_id,
    g.client_id,
    g.created_at,
    g.description,
    g.value,
    g.status,
    coalesce(r.ratings, 0) AS ratings,
    r.first_rating,
    r.latest_rating,
    r.latest_rated_at
FROM goals g
JOIN scoped_clients c ON c.client_id = g.client_id
LEFT JOIN (
    SELECT
        goal_id,
        count(*) AS ratings,
        arg_min(score, administered_at) AS first_rating,
        arg_max(score, administered_at) AS latest_rating,
        max(administered_at) AS latest_rated_at
    FROM measures
    WHERE client_id = $client_id AND measure = 'GOAL'
      AND administered_at < $as_of + INTERVAL 1 DAY
    GROUP BY goal_id
) r ON r.goal_id = g.goal_id
WHERE g.client_id = $client_id AND g.created_at <= $as_of
ORDER BY g.created_at, g.goal_id
