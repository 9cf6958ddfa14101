-- Question: Which actions were principals denied, and were they granted those actions?
-- Reads: permissions (permissions.parquet). The same question over activity.parquet, per
--   event, is 06-denied-attempts.sql.
-- Answer: one row per account, principal and IAM action with denied calls (denied_count > 0):
--   how often it was denied and used, and a verdict: not granted by the principal's identity
--   policies (the permission it lacked; every action is "not granted" when the scan had no
--   --iam-details), granted only under a condition that may have failed, or granted (so
--   something the details do not show denied it: a resource policy, a session policy, an SCP
--   or boundary not in the details). Most denied first.
-- Columns: account, principal, principal_type, action, service, access_level, denied_count,
--   use_count, granted, conditional, used, verdict, first_used, last_used, granted_by.
-- Run:
--   DuckDB: duckdb -cmd ".bail off" -cmd "SET VARIABLE trailguard_out = 'out'" -cmd ".read queries/duckdb-views.sql" -f queries/07-denied-permissions.sql
--   Athena: create the tables with queries/athena-tables.sql, then run this file as is.
SELECT
    account,
    principal,
    principal_type,
    action,
    service,
    access_level,
    denied_count,
    use_count,
    granted,
    conditional,
    used,
    CASE
        WHEN NOT granted THEN 'not granted'
        WHEN conditional THEN 'granted under a condition'
        ELSE 'granted: denied by a resource, session or other policy'
    END AS verdict,
    first_used,
    last_used,
    granted_by
FROM permissions
WHERE denied_count > 0
ORDER BY denied_count DESC, account, principal, action;
