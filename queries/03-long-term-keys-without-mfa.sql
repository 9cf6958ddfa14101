-- Question: Which long-term access keys were used without MFA, most recently used first?
-- Reads: findings (findings.parquet), rule 'long-term-key-without-mfa' (one finding per key).
-- Answer: one row per access key (AKIA...) that signed API calls in a session without MFA,
--   the most recently used first: the key, its user, how many calls, the first and last of
--   them, and where from.
-- Columns: access_key_id, account, principal, calls, first_seen, last_seen, source_ips,
--   regions, services, severity.
-- services is the rule's evidence, a JSON array of service prefixes (["ec2","s3"]): DuckDB and
--   Athena (Trino) share json_extract, which returns JSON in both; their functions that return
--   a plain string (json_extract_string, json_extract_scalar) or an array
--   (CAST(... AS VARCHAR[]), CAST(... AS ARRAY(VARCHAR))) differ, so services stays JSON here.
-- Run:
--   DuckDB: duckdb -cmd ".bail off" -cmd "SET VARIABLE trailguard_out = 'out'" -cmd ".read queries/duckdb-views.sql" -f queries/03-long-term-keys-without-mfa.sql
--   Athena: create the tables with queries/athena-tables.sql, then run this file as is.
SELECT
    access_key_id,
    account,
    principal,
    "count" AS calls,
    first_seen,
    last_seen,
    source_ips,
    regions,
    json_extract(evidence, '$.services') AS services,
    severity
FROM findings
WHERE rule = 'long-term-key-without-mfa'
ORDER BY last_seen DESC NULLS LAST, access_key_id;
