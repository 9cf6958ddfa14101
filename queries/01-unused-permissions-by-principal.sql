-- Question: Which principals hold the most unused permissions, riskiest first?
-- Reads: permissions (permissions.parquet).
-- Answer: one row per principal with at least one unused permission: an action it is granted
--   (granted), that CloudTrail can show being used (observable), and that it never used in the
--   scanned logs (NOT used). Riskiest first: the most unused `Permissions management` and
--   `Write` actions (unused_risky), then the most unused actions of any access level.
-- Columns: risk_rank, account, principal, principal_type, unused_risky,
--   unused_permissions_management, unused_write, unused_tagging, unused_read, unused_list,
--   unused_unknown_level, unused_total, unused_conditional (granted only under a condition),
--   granted_observable, used_observable, unused_share (unused_total / granted_observable),
--   unused_services, unused_risky_sample (the first 20 unused risky actions, Permissions
--   management ones first, then by name; NULL when there is none).
-- Run:
--   DuckDB: duckdb -cmd ".bail off" -cmd "SET VARIABLE trailguard_out = 'out'" -cmd ".read queries/duckdb-views.sql" -f queries/01-unused-permissions-by-principal.sql
--   Athena: create the tables with queries/athena-tables.sql, then run this file as is.
WITH unused AS (
    SELECT account, principal, principal_type, action, service, access_level, conditional
    FROM permissions
    WHERE granted AND observable AND NOT used
),
per_principal AS (
    -- sum(CASE ...) counts; CAST keeps BIGINT in DuckDB (whose sum of integers is HUGEINT).
    SELECT
        account,
        principal,
        principal_type,
        CAST(
            sum(CASE WHEN access_level IN ('Permissions management', 'Write') THEN 1 ELSE 0 END)
            AS BIGINT
        ) AS unused_risky,
        CAST(
            sum(CASE WHEN access_level = 'Permissions management' THEN 1 ELSE 0 END) AS BIGINT
        ) AS unused_permissions_management,
        CAST(sum(CASE WHEN access_level = 'Write' THEN 1 ELSE 0 END) AS BIGINT) AS unused_write,
        CAST(sum(CASE WHEN access_level = 'Tagging' THEN 1 ELSE 0 END) AS BIGINT)
            AS unused_tagging,
        CAST(sum(CASE WHEN access_level = 'Read' THEN 1 ELSE 0 END) AS BIGINT) AS unused_read,
        CAST(sum(CASE WHEN access_level = 'List' THEN 1 ELSE 0 END) AS BIGINT) AS unused_list,
        CAST(
            sum(
                CASE
                    WHEN access_level
                        IN ('Permissions management', 'Write', 'Tagging', 'Read', 'List')
                        THEN 0
                    ELSE 1
                END
            ) AS BIGINT
        ) AS unused_unknown_level,
        count(*) AS unused_total,
        CAST(sum(CASE WHEN conditional THEN 1 ELSE 0 END) AS BIGINT) AS unused_conditional,
        count(DISTINCT service) AS unused_services
    FROM unused
    GROUP BY account, principal, principal_type
),
granted_observable AS (
    SELECT
        account,
        principal,
        principal_type,
        count(*) AS granted_observable,
        CAST(sum(CASE WHEN used THEN 1 ELSE 0 END) AS BIGINT) AS used_observable
    FROM permissions
    WHERE granted AND observable
    GROUP BY account, principal, principal_type
),
risky_ranked AS (
    SELECT
        account,
        principal,
        principal_type,
        action,
        row_number() OVER (
            PARTITION BY account, principal, principal_type
            ORDER BY CASE WHEN access_level = 'Permissions management' THEN 0 ELSE 1 END, action
        ) AS n
    FROM unused
    WHERE access_level IN ('Permissions management', 'Write')
),
risky_sample AS (
    SELECT account, principal, principal_type, array_agg(action ORDER BY n) AS unused_risky_sample
    FROM risky_ranked
    WHERE n <= 20
    GROUP BY account, principal, principal_type
)
SELECT
    row_number() OVER (
        ORDER BY p.unused_risky DESC, p.unused_total DESC, p.account, p.principal
    ) AS risk_rank,
    p.account,
    p.principal,
    p.principal_type,
    p.unused_risky,
    p.unused_permissions_management,
    p.unused_write,
    p.unused_tagging,
    p.unused_read,
    p.unused_list,
    p.unused_unknown_level,
    p.unused_total,
    p.unused_conditional,
    g.granted_observable,
    g.used_observable,
    round(CAST(p.unused_total AS DOUBLE) / g.granted_observable, 3) AS unused_share,
    p.unused_services,
    r.unused_risky_sample
FROM per_principal AS p
JOIN granted_observable AS g
    ON g.account = p.account AND g.principal = p.principal AND g.principal_type = p.principal_type
LEFT JOIN risky_sample AS r
    ON r.account = p.account AND r.principal = p.principal AND r.principal_type = p.principal_type
ORDER BY risk_rank;
