-- requires: instruments, etr_points
-- Expected-treatment-response reference (after Finch, Lambert & Schaalje 2001),
-- from the practice's own data across the whole practice (it is an aggregate:
-- no client can be seen through it), fitted on the scores before
-- $etr_fit_before: the first day of the as-of month. The curves are refitted
-- monthly, not with every load, and at once when a score, session or client
-- before that day changes (the refresh keeps them while
-- refresh_etr_fit_inputs.sql's fingerprint of those rows is unchanged).
--
-- For each outcome measure and baseline band (5-point bands of the first score
-- on or after intake), scores at session k (attended sessions up to the score,
-- k <= $etr_max_session) are fitted by least squares as
--     expected(k) = a + b * ln(k)
-- - the log-linear recovery curve of the ETR literature. The residual SD is
-- the robust spread of the residuals, 1.4826 x their median absolute deviation,
-- so a minority of clients who do not improve does not hide itself by widening
-- the band. A band with fewer than $etr_min_reference_clients clients of its
-- own is pooled with its neighbouring bands (baselines up to 5 points either
-- side: still a similar start), so mild or very severe starts - usually the
-- sparse ones - are tracked too. A band is usable when >= $etr_min_reference_clients
-- clients inform its (possibly pooled) fit.
-- Sessions after $etr_max_session use the expectation at $etr_max_session.
etr_banded AS (
    SELECT
        *,
        least(floor(baseline / 5) * 5, range_max - (range_max % 5) - 5) AS band
    FROM etr_points
    WHERE k <= $etr_max_session AND administered_at < $etr_fit_before
),
etr_band_sizes AS (
    SELECT measure, band, count(DISTINCT client_id) AS own_clients
    FROM etr_banded
    GROUP BY measure, band
),
etr_pool AS (
    -- which bands' points inform each band's fit: its own, plus its neighbours when sparse
    SELECT s.measure, s.band, t.band AS source_band
    FROM etr_band_sizes s
    JOIN etr_band_sizes t ON t.measure = s.measure
    WHERE t.band = s.band
       OR (s.own_clients < $etr_min_reference_clients AND abs(t.band - s.band) = 5)
),
etr_pooled AS (
    SELECT pl.band AS fit_band, b.measure, b.client_id, b.score, b.k
    FROM etr_banded b
    JOIN etr_pool pl ON pl.measure = b.measure AND pl.source_band = b.band
),
etr_fit AS (
    SELECT
        measure,
        fit_band AS band,
        regr_intercept(score, ln(k)) AS a,
        regr_slope(score, ln(k)) AS b,
        count(DISTINCT client_id) AS reference_clients
    FROM etr_pooled
    GROUP BY measure, fit_band
),
etr_spread AS (
    SELECT
        p.measure,
        p.fit_band AS band,
        1.4826 * mad(p.score - (f.a + f.b * ln(p.k))) AS residual_sd
    FROM etr_pooled p
    JOIN etr_fit f ON f.measure = p.measure AND f.band = p.fit_band
    GROUP BY p.measure, p.fit_band
),
etr_reference AS (
    SELECT
        f.measure,
        f.band,
        CAST(k.k AS BIGINT) AS k,
        f.reference_clients,
        z.own_clients,
        f.a + f.b * ln(k.k) AS expected_score,
        s.residual_sd
    FROM etr_fit f
    JOIN etr_spread s ON s.measure = f.measure AND s.band = f.band
    JOIN etr_band_sizes z ON z.measure = f.measure AND z.band = f.band
    CROSS JOIN (SELECT unnest(range(1, CAST($etr_max_session AS BIGINT) + 1)) AS k) k
    WHERE f.b IS NOT NULL
)
