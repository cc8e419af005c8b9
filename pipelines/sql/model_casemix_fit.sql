-- requires: casemix_cases
-- The practice's case-mix fit, as aggregates only (no client and no clinician can be named from it): for
-- each measure and each clinician - numbered, never named - the count and the sums of products of
-- intake score (x), session of the first assessment (s) and change (y). Summed over a measure's groups
-- they give the least-squares fit of change on intake and first session (pipelines/models/casemix.py);
-- each group's sums give that clinician's mean adjusted effect size and its spread. Plus, per measure,
-- the mean change and the standard deviation of the intake scores of all the measure's cases.
SELECT
    measure,
    dense_rank() OVER (ORDER BY hash(clinician_id, $as_of)) AS clinician_group,
    count(*) AS n,
    sum(x) AS sx, sum(s) AS ss, sum(y) AS sy, sum(x * x) AS sxx, sum(s * s) AS sss,
    sum(x * s) AS sxs, sum(x * y) AS sxy, sum(s * y) AS ssy, sum(y * y) AS syy,
    any_value(mean_change) AS mean_change, any_value(intake_sd) AS intake_sd
FROM (
    SELECT clinician_id, measure,
           CAST(intake_score AS DOUBLE) AS x, CAST(first_session AS DOUBLE) AS s, CAST(change AS DOUBLE) AS y,
           avg(change) OVER (PARTITION BY measure) AS mean_change,
           stddev_samp(intake_score) OVER (PARTITION BY measure) AS intake_sd
    FROM casemix_cases
)
GROUP BY measure, clinician_id
ORDER BY measure, clinician_group
