-- Amazon Athena (engine version 3, Trino) tables over trailguard outputs in S3, so that the
-- numbered queries in this folder run unchanged on plain table names: activity, findings,
-- permissions.
--
-- Athena reads every file under a table's LOCATION, so each output goes to its own prefix:
--
--   aws s3 cp out/activity.parquet    s3://BUCKET/trailguard/activity/activity.parquet
--   aws s3 cp out/findings.parquet    s3://BUCKET/trailguard/findings/findings.parquet
--   aws s3 cp out/permissions.parquet s3://BUCKET/trailguard/permissions/permissions.parquet
--
-- Replace s3://BUCKET/trailguard/ below, then run each statement on its own (the Athena console
-- and `aws athena start-query-execution` take one statement at a time). Several scans can share
-- the tables: give each run's files their own names under the same prefixes (for example
-- activity/2024-05-01.parquet) and the tables read them all.
--
-- Column types are those of the Parquet files: strings, DATE, BIGINT, BOOLEAN, timestamps in
-- milliseconds adjusted to UTC (Athena's `timestamp`, shown in UTC) and lists of strings
-- (`array<string>`). findings.evidence is a JSON object as a string: read it with json_extract.
-- Column names are quoted with backticks because the DDL is parsed as Hive DDL.

CREATE DATABASE IF NOT EXISTS trailguard;

CREATE EXTERNAL TABLE IF NOT EXISTS trailguard.activity (
  `account`        string,
  `principal`      string,
  `principal_type` string,
  `event_source`   string,
  `event_name`     string,
  `iam_action`     string,
  `region`         string,
  `day`            date,
  `events`         bigint,
  `errors`         bigint,
  `denied`         bigint,
  `first_seen`     timestamp,
  `last_seen`      timestamp,
  `mapping`        string
)
STORED AS PARQUET
LOCATION 's3://BUCKET/trailguard/activity/';

CREATE EXTERNAL TABLE IF NOT EXISTS trailguard.findings (
  `id`             string,
  `rule`           string,
  `severity`       string,
  `title`          string,
  `anti_pattern`   string,
  `account`        string,
  `principal`      string,
  `principal_type` string,
  `access_key_id`  string,
  `target`         string,
  `first_seen`     timestamp,
  `last_seen`      timestamp,
  `count`          bigint,
  `count_unit`     string,
  `event_ids`      array<string>,
  `event_ids_truncated` boolean,
  `source_ips`     array<string>,
  `regions`        array<string>,
  `evidence`       string,
  `remediation`    string
)
STORED AS PARQUET
LOCATION 's3://BUCKET/trailguard/findings/';

CREATE EXTERNAL TABLE IF NOT EXISTS trailguard.permissions (
  `account`        string,
  `principal`      string,
  `principal_type` string,
  `action`         string,
  `service`        string,
  `access_level`   string,
  `granted`        boolean,
  `conditional`    boolean,
  `used`           boolean,
  `observable`     boolean,
  `use_count`      bigint,
  `denied_count`   bigint,
  `first_used`     timestamp,
  `last_used`      timestamp,
  `granted_by`     array<string>,
  `suggested`      string
)
STORED AS PARQUET
LOCATION 's3://BUCKET/trailguard/permissions/';
