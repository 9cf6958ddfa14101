-- Question: Which other accounts reached into which of our accounts, and how much?
-- Reads: findings (findings.parquet), rule 'cross-account-access', and activity
--   (activity.parquet).
-- Answer: one row per external account x target account, from two sources side by side:
--   - the cross-account-access findings: calls whose caller account differs from the recipient
--     account (one finding per external account and target resource; accounts given with
--     --trusted-accounts are not reported). Their principal is arn:...:iam::<caller>:root, or
--     ANONYMOUS_PRINCIPAL for unauthenticated (public) calls;
--   - the activity rows whose principal is an ARN naming another account than the row's
--     account (the recipient). This side counts every such call, trusted accounts included,
--     and names the calling principals; callers without an ARN (service names, `unknown`) are
--     not counted.
--   A side with no match is NULL. Most events first.
-- Columns: external_account, target_account, findings, finding_events, finding_first_seen,
--   finding_last_seen, finding_titles, activity_events, activity_errors, activity_denied,
--   activity_principals, activity_services, activity_first_seen, activity_last_seen.
-- Run:
--   DuckDB: duckdb -cmd ".bail off" -cmd "SET VARIABLE trailguard_out = 'out'" -cmd ".read queries/duckdb-views.sql" -f queries/04-cross-account-access-matrix.sql
--   Athena: create the tables with queries/athena-tables.sql, then run this file as is.
WITH from_findings AS (
    SELECT
        CASE
            WHEN principal_type = 'Anonymous' THEN 'ANONYMOUS_PRINCIPAL'
            ELSE split_part(principal, ':', 5)
        END AS external_account,
        account AS target_account,
        "count" AS events,
        first_seen,
        last_seen,
        title
    FROM findings
    WHERE rule = 'cross-account-access'
),
findings_matrix AS (
    SELECT
        external_account,
        target_account,
        count(*) AS findings,
        CAST(sum(events) AS BIGINT) AS finding_events,
        min(first_seen) AS finding_first_seen,
        max(last_seen) AS finding_last_seen,
        array_sort(array_agg(title)) AS finding_titles
    FROM from_findings
    GROUP BY external_account, target_account
),
from_activity AS (
    SELECT
        split_part(principal, ':', 5) AS external_account,
        account AS target_account,
        principal,
        event_source,
        events,
        errors,
        denied,
        first_seen,
        last_seen
    FROM activity
    WHERE principal LIKE 'arn:%'
        AND principal_type <> 'AWSService'
        AND split_part(principal, ':', 5) <> ''
        AND split_part(principal, ':', 5) <> account
),
activity_matrix AS (
    SELECT
        external_account,
        target_account,
        CAST(sum(events) AS BIGINT) AS activity_events,
        CAST(sum(errors) AS BIGINT) AS activity_errors,
        CAST(sum(denied) AS BIGINT) AS activity_denied,
        array_sort(array_distinct(array_agg(principal))) AS activity_principals,
        array_sort(array_distinct(array_agg(event_source))) AS activity_services,
        min(first_seen) AS activity_first_seen,
        max(last_seen) AS activity_last_seen
    FROM from_activity
    GROUP BY external_account, target_account
)
SELECT
    coalesce(f.external_account, a.external_account) AS external_account,
    coalesce(f.target_account, a.target_account) AS target_account,
    f.findings,
    f.finding_events,
    f.finding_first_seen,
    f.finding_last_seen,
    f.finding_titles,
    a.activity_events,
    a.activity_errors,
    a.activity_denied,
    a.activity_principals,
    a.activity_services,
    a.activity_first_seen,
    a.activity_last_seen
FROM findings_matrix AS f
FULL OUTER JOIN activity_matrix AS a
    ON a.external_account = f.external_account AND a.target_account = f.target_account
ORDER BY
    coalesce(f.finding_events, 0) + coalesce(a.activity_events, 0) DESC,
    external_account,
    target_account;
