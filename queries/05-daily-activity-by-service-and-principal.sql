-- Question: How much did each principal do on each service, day by day?
-- Reads: activity (activity.parquet).
-- Answer: one row per day (UTC, of eventTime), account, service (eventSource) and principal,
--   with its events, errors (events with an errorCode) and denials (errors meaning "not
--   authorized"). The events of all rows add up to summary.json `events`. Days in order; in a
--   day, the busiest first. Events without a time have a NULL day, last.
-- Columns: day, account, event_source, principal, principal_type, events, errors, denied,
--   event_names (distinct event names), regions (distinct regions), first_seen, last_seen.
-- Run:
--   DuckDB: duckdb -cmd ".bail off" -cmd "SET VARIABLE trailguard_out = 'out'" -cmd ".read queries/duckdb-views.sql" -f queries/05-daily-activity-by-service-and-principal.sql
--   Athena: create the tables with queries/athena-tables.sql, then run this file as is.
SELECT
    day,
    account,
    event_source,
    principal,
    principal_type,
    CAST(sum(events) AS BIGINT) AS events,
    CAST(sum(errors) AS BIGINT) AS errors,
    CAST(sum(denied) AS BIGINT) AS denied,
    count(DISTINCT event_name) AS event_names,
    count(DISTINCT region) AS regions,
    min(first_seen) AS first_seen,
    max(last_seen) AS last_seen
FROM activity
GROUP BY day, account, event_source, principal, principal_type
ORDER BY day NULLS LAST, events DESC, account, event_source, principal, principal_type;
