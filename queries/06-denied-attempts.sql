-- Question: Which permissions were principals denied, how often, and when?
-- Reads: activity (activity.parquet). The permissions side of the same question, with whether
--   each denied action is granted, is 07-denied-permissions.sql.
-- Answer: one row per account, principal, service and IAM action with at least one call denied
--   (an errorCode meaning "not authorized": AccessDenied, UnauthorizedOperation...): the
--   permission the principal lacked (iam_action; several comma-joined when one call needs
--   several, NULL when the event maps to no known action: then event_names tells which call),
--   the number of denied calls, all calls of those event names (attempts, denied ones
--   included) and their errors. first_seen and last_seen bound the calls of the activity rows
--   that had denials (same event name, region and day), not only the denied calls. Most
--   denied first.
-- Columns: account, principal, principal_type, event_source, iam_action, event_names, denied,
--   attempts, errors, days, regions, first_seen, last_seen.
-- Run:
--   DuckDB: duckdb -cmd ".bail off" -cmd "SET VARIABLE trailguard_out = 'out'" -cmd ".read queries/duckdb-views.sql" -f queries/06-denied-attempts.sql
--   Athena: create the tables with queries/athena-tables.sql, then run this file as is.
SELECT
    account,
    principal,
    principal_type,
    event_source,
    iam_action,
    array_sort(array_distinct(array_agg(event_name))) AS event_names,
    CAST(sum(denied) AS BIGINT) AS denied,
    CAST(sum(events) AS BIGINT) AS attempts,
    CAST(sum(errors) AS BIGINT) AS errors,
    count(DISTINCT day) AS days,
    array_sort(array_distinct(array_agg(region))) AS regions,
    min(first_seen) AS first_seen,
    max(last_seen) AS last_seen
FROM activity
WHERE denied > 0
GROUP BY account, principal, principal_type, event_source, iam_action
ORDER BY denied DESC, account, principal, event_source, iam_action NULLS LAST;
