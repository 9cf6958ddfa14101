-- DuckDB views over one folder of `trailguard scan --out DIR` outputs, so that the numbered
-- queries in this folder run unchanged on plain table names: activity, findings, permissions.
--
-- The folder comes from the variable trailguard_out (DuckDB 1.1 or later), `out` when unset.
-- Set it before reading this file, for example with the DuckDB CLI:
--
--   duckdb -cmd ".bail off" -cmd "SET VARIABLE trailguard_out = 'out'" \
--          -cmd ".read queries/duckdb-views.sql" -f queries/05-daily-activity-by-service-and-principal.sql
--
-- A view fails to create when its file is missing (DuckDB checks the file when it creates the
-- view): `.bail off` lets the other views and the query go on, and only the queries that read
-- the missing output fail. See queries/README.md.

SET VARIABLE trailguard_out = coalesce(getvariable('trailguard_out'), 'out');

-- The outputs store UTC instants: show them in UTC, as Athena does.
SET TimeZone = 'UTC';

CREATE OR REPLACE VIEW activity AS
SELECT * FROM read_parquet(getvariable('trailguard_out') || '/activity.parquet');

CREATE OR REPLACE VIEW findings AS
SELECT * FROM read_parquet(getvariable('trailguard_out') || '/findings.parquet');

CREATE OR REPLACE VIEW permissions AS
SELECT * FROM read_parquet(getvariable('trailguard_out') || '/permissions.parquet');
