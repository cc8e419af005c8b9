-- requires: etr_reference
-- The NOT_ON_TRACK reference curves: expected score and residual SD by
-- measure, baseline band and session number, with how many clients inform each
-- and whether the band borrowed its neighbours' points (pooled), and the day
-- the curves were fitted before (the first day of the as-of month).
SELECT
    measure,
    band AS baseline_band_from,
    band + 4 AS baseline_band_to,
    k AS session_number,
    reference_clients,
    own_clients < $etr_min_reference_clients AS pooled,
    expected_score,
    residual_sd,
    reference_clients >= $etr_min_reference_clients AS usable,
    CAST($etr_fit_before AS DATE) AS fitted_before
FROM etr_reference
ORDER BY measure, band, k
