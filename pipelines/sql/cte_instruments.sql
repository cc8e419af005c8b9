-- The instrument table of schemas/instruments.toml, bound as parallel lists.
instruments AS (
    SELECT
        unnest($inst_code) AS measure,
        unnest($inst_better) AS better,
        unnest($inst_caseness) AS caseness,
        unnest($inst_case_rule) AS case_rule,
        unnest($inst_rc_threshold) AS rc_threshold,
        unnest($inst_alliance) AS alliance_below,
        unnest($inst_range_max) AS range_max
)
