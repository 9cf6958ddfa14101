-- Question: What did the root user of each account do, and when?
-- Reads: activity (activity.parquet) and findings (findings.parquet).
-- Answer: a timeline of root use, oldest first: the activity rows of root
--   (principal_type 'Root', or a principal ARN ending in ':root' that is not another account
--   calling in: principal_type 'AWSAccount' and the 'ExternalAccount'/'Anonymous' principals of
--   cross-account findings name an account, not its root user), with the event, its IAM
--   action, the number of events, errors and denials; and the findings about root (rules
--   root-*, or principal_type 'Root'), with their rule, severity and title. An activity row
--   stands for every call of one event name by root in one account, region and day:
--   first_seen and last_seen bound them.
-- Columns: first_seen, last_seen, source ('activity' or 'finding'), account, principal,
--   event_source, event_name, iam_action, region, events (a finding's count), errors, denied,
--   rule, severity, title (the last three for findings only; event_source..denied for
--   activity rows only, but events).
-- Run:
--   DuckDB: duckdb -cmd ".bail off" -cmd "SET VARIABLE trailguard_out = 'out'" -cmd ".read queries/duckdb-views.sql" -f queries/02-root-activity-timeline.sql
--   Athena: create the tables with queries/athena-tables.sql, then run this file as is.
SELECT
    first_seen,
    last_seen,
    'activity' AS source,
    account,
    principal,
    event_source,
    event_name,
    iam_action,
    region,
    events,
    errors,
    denied,
    CAST(NULL AS VARCHAR) AS rule,
    CAST(NULL AS VARCHAR) AS severity,
    CAST(NULL AS VARCHAR) AS title
FROM activity
WHERE principal_type = 'Root'
    OR (principal LIKE '%:root' AND principal_type NOT IN ('AWSAccount', 'AWSService'))
UNION ALL
SELECT
    first_seen,
    last_seen,
    'finding' AS source,
    account,
    principal,
    CAST(NULL AS VARCHAR) AS event_source,
    CAST(NULL AS VARCHAR) AS event_name,
    CAST(NULL AS VARCHAR) AS iam_action,
    CAST(NULL AS VARCHAR) AS region,
    "count" AS events,
    CAST(NULL AS BIGINT) AS errors,
    CAST(NULL AS BIGINT) AS denied,
    rule,
    severity,
    title
FROM findings
WHERE rule LIKE 'root-%'
    OR principal_type = 'Root'
ORDER BY first_seen NULLS LAST, source, account, event_source, event_name, rule, last_seen;
