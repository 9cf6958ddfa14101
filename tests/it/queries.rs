//! The analyst queries of `queries/`: every numbered file runs unchanged in DuckDB, over the
//! views of `queries/duckdb-views.sql`, on the outputs of real scans (the `good` fixtures, the
//! same with `--iam-details`, and the invictus-ir sample dataset), and gives the answers the
//! inputs imply. Each expectation is also checked against an independent reading of the outputs
//! (`read_parquet` of the files, `findings.jsonl`, `summary.json`) or of the raw events.
//!
//! Also: every numbered file states its question in a header, is one statement, and avoids
//! DuckDB-only syntax (the same files must run in Athena, which is not reachable from tests);
//! the header's column list matches the result; the Athena DDL matches the Parquet schemas.
//!
//! Queries over `permissions` need `permissions.parquet`: while a scan does not write it, those
//! tests fail with a message naming the missing output.

use crate::common::{TrailguardCmd, duckdb, num, parquet, read_summary};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

type Row = Map<String, Value>;

/// The tables the queries read, each from `<name>.parquet`.
const TABLES: [&str; 3] = ["activity", "findings", "permissions"];

/// The public sample dataset (relative to the repository root).
const INVICTUS: &str = "../shared/cloudtrail-samples/invictus-ir-aws-dataset";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Scans (one per test binary run, shared by the tests)

/// `trailguard scan ARGS --out <target tmp>/queries/<name> --quiet`, run from the repository
/// root; returns the output folder.
fn scan_into(name: &str, args: &[&str]) -> PathBuf {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("queries")
        .join(name);
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).expect("create output folder");
    let mut cmd = TrailguardCmd::new().args(["scan"]).args(args).args([
        OsStr::new("--out"),
        out.as_os_str(),
        OsStr::new("--quiet"),
    ]);
    cmd.cmd.current_dir(repo());
    cmd.run().assert_code(0);
    out
}

/// The `good` fixtures.
fn good() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| scan_into("good", &["tests/fixtures/good"]))
}

/// The `good` fixtures with the authorization details of their main account (111122223333),
/// so that `permissions.parquet` has granted actions.
fn good_iam() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        scan_into(
            "good-iam",
            &[
                "tests/fixtures/good",
                "--iam-details",
                "tests/fixtures/iam/auth-details-cli.json",
            ],
        )
    })
}

/// The invictus-ir AWS dataset (one account, two users with long-term keys, no root use).
fn invictus() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        assert!(
            repo().join(INVICTUS).is_dir(),
            "{INVICTUS} is missing (the shared sample corpus, next to the repository)"
        );
        scan_into("invictus", &[INVICTUS])
    })
}

fn all_scans() -> [(&'static str, &'static Path); 3] {
    [
        ("good", good()),
        ("good --iam-details", good_iam()),
        ("invictus", invictus()),
    ]
}

// ---------------------------------------------------------------------------------------------
// Query files

/// `queries/<file>`.
fn query_text(file: &str) -> String {
    read_text(&repo().join("queries").join(file))
}

/// The numbered query files (`NN-*.sql`), sorted.
fn numbered_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(repo().join("queries"))
        .expect("queries/ exists")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| {
            n.ends_with(".sql") && n.len() > 3 && n.as_bytes()[..2].iter().all(u8::is_ascii_digit)
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 6,
        "expected the numbered queries, found {files:?}"
    );
    files
}

/// `sql` without `--` comments (the files have no `--` inside string literals).
fn strip_comments(sql: &str) -> String {
    sql.lines()
        .map(|l| l.find("--").map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `sql` with the contents of string literals removed (`'abc'` -> `''`).
fn strip_strings(sql: &str) -> String {
    let mut out = String::new();
    let mut in_str = false;
    for c in sql.chars() {
        if c == '\'' {
            in_str = !in_str;
            out.push(c);
        } else if !in_str {
            out.push(c);
        }
    }
    out
}

/// Lower-case words (identifiers, keywords) of `sql`.
fn words(sql: &str) -> Vec<String> {
    sql.to_lowercase()
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The tables of [`TABLES`] a query reads (named after FROM or JOIN).
fn tables_read(sql: &str) -> Vec<&'static str> {
    let w = words(&strip_strings(&strip_comments(sql)));
    TABLES
        .into_iter()
        .filter(|t| {
            w.windows(2)
                .any(|p| (p[0] == "from" || p[0] == "join") && p[1] == *t)
        })
        .collect()
}

fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The statements of `queries/duckdb-views.sql` over `out`, without the views whose file is
/// missing (DuckDB checks the file when it creates the view).
fn views_sql(out: &Path) -> String {
    let text = query_text("duckdb-views.sql");
    let mut sql = format!(
        "SET VARIABLE trailguard_out = {};\n",
        sql_string(&out.display().to_string())
    );
    for stmt in strip_comments(&text).split(';') {
        let stmt = stmt.trim();
        if stmt.is_empty() {
            continue;
        }
        let missing = TABLES.iter().any(|t| {
            stmt.contains(&format!("/{t}.parquet")) && !out.join(format!("{t}.parquet")).exists()
        });
        if !missing {
            sql.push_str(stmt);
            sql.push_str(";\n");
        }
    }
    sql
}

/// Runs `queries/<file>` as is in DuckDB over the views of `out`. Fails, naming the output,
/// when a table it reads has no file.
fn query(out: &Path, file: &str) -> Vec<Row> {
    let text = query_text(file);
    for t in tables_read(&text) {
        let path = out.join(format!("{t}.parquet"));
        assert!(
            path.exists(),
            "queries/{file} reads `{t}`, but {t}.parquet is missing from {}: `trailguard scan` \
             did not write the {t} output",
            out.display()
        );
    }
    duckdb(&format!("{}{text}", views_sql(out)))
}

// ---------------------------------------------------------------------------------------------
// Values

#[track_caller]
fn s<'a>(r: &'a Row, k: &str) -> &'a str {
    r.get(k)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("column {k} is not a string in {r:?}"))
}

#[track_caller]
fn opt_s<'a>(r: &'a Row, k: &str) -> Option<&'a str> {
    match r.get(k) {
        Some(Value::Null) => None,
        Some(Value::String(v)) => Some(v),
        _ => panic!("column {k} is not a string or NULL in {r:?}"),
    }
}

#[track_caller]
fn i(r: &Row, k: &str) -> i64 {
    r.get(k)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("column {k} is not an integer in {r:?}"))
}

#[track_caller]
fn list(r: &Row, k: &str) -> Vec<String> {
    r.get(k)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("column {k} is not a list in {r:?}"))
        .iter()
        .map(|v| v.as_str().expect("a string item").to_string())
        .collect()
}

/// `findings.jsonl` of a scan.
fn findings_jsonl(out: &Path) -> Vec<Value> {
    read_text(&out.join("findings.jsonl"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("findings.jsonl line is JSON"))
        .collect()
}

/// A DuckDB timestamp as returned by the harness (`2024-05-03 06:00:00+00:00`) in the RFC 3339
/// form of findings.jsonl (`2024-05-03T06:00:00Z`).
fn rfc3339(ts: &str) -> String {
    ts.replacen(' ', "T", 1).replace("+00:00", "Z")
}

fn table(path: &Path) -> String {
    parquet(path)
}

// ---------------------------------------------------------------------------------------------
// Every file, every scan

/// Runs every numbered query on every scan; reports all failures at once.
#[test]
fn every_numbered_query_runs_on_every_scan() {
    let mut failures = Vec::new();
    for (name, out) in all_scans() {
        for file in numbered_files() {
            let r = std::panic::catch_unwind(|| query(out, &file));
            if let Err(e) = r {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{file} on {name}: {msg}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "queries failed:\n{}",
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// The files themselves

/// Constructs of DuckDB (or of Trino alone) that Athena or DuckDB would refuse, matched as
/// words outside comments and string literals.
const NON_PORTABLE_WORDS: &[&str] = &[
    "read_parquet",
    "parquet_scan",
    "read_csv",
    "read_csv_auto",
    "read_json",
    "read_json_auto",
    "qualify",
    "exclude",
    "strftime",
    "strptime",
    "getvariable",
    "ilike",
    "epoch_ms",
    "struct_pack",
    "list_value",
    "list_slice",
    "array_slice",
    "list_transform",
    "list_filter",
    "string_agg",
    "group_concat",
    "regexp_matches",
    "date_part",
    "json_extract_string",
    "json_extract_scalar",
    "json_format",
    "lambda",
    "pivot",
    "unpivot",
    "columns",
    // Trino's array length, but DuckDB before 2.0 (the CLI 1.5 on PyPI) takes maps only.
    "cardinality",
    "array_length",
    "len",
];

/// Symbols and phrases (on lower-cased, whitespace-collapsed code without comments and string
/// contents).
const NON_PORTABLE_PHRASES: &[&str] = &[
    "::",
    "->",
    "[",
    "]",
    "{",
    "}",
    "//",
    "group by all",
    "order by all",
    "filter (",
    "filter(",
    "from ''",
    "join ''",
    "using sample",
    "list(",
];

#[test]
fn query_files_state_their_question_and_use_portable_sql() {
    let mut problems = Vec::new();
    for file in numbered_files() {
        let text = query_text(&file);
        let header: Vec<&str> = text.lines().take_while(|l| l.starts_with("--")).collect();
        let first = header.first().copied().unwrap_or("");
        if !(first.starts_with("-- Question: ") && first.trim_end().ends_with('?')) {
            problems.push(format!(
                "{file}: the first line must be `-- Question: ...?`, not {first:?}"
            ));
        }
        for key in ["-- Reads:", "-- Columns:", "-- Run:"] {
            if !header.iter().any(|l| l.starts_with(key)) {
                problems.push(format!("{file}: the header has no `{key}` line"));
            }
        }
        let reads: String = header
            .iter()
            .skip_while(|l| !l.starts_with("-- Reads:"))
            .take_while(|l| l.starts_with("-- Reads:") || l.starts_with("--   "))
            .map(|l| l.trim_start_matches('-').trim())
            .collect::<Vec<_>>()
            .join(" ");
        for t in tables_read(&text) {
            if !reads.contains(&format!("{t} ({t}.parquet)")) {
                problems.push(format!("{file}: reads {t} but `-- Reads:` does not say so"));
            }
        }
        if !text.contains("-cmd \".read queries/duckdb-views.sql\"")
            || !text.contains(&format!("-f queries/{file}"))
        {
            problems.push(format!(
                "{file}: `-- Run:` must show the DuckDB command for this file"
            ));
        }
        let code = strip_strings(&strip_comments(&text));
        let body = code.trim();
        if !body.ends_with(';') || body[..body.len() - 1].contains(';') {
            problems.push(format!(
                "{file}: must be exactly one statement ending with `;`"
            ));
        }
        let w = words(&code);
        for bad in NON_PORTABLE_WORDS {
            if w.iter().any(|x| x == bad) {
                problems.push(format!("{file}: uses `{bad}`"));
            }
        }
        let flat = code
            .to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for bad in NON_PORTABLE_PHRASES {
            if flat.contains(bad) {
                problems.push(format!("{file}: uses `{bad}`"));
            }
        }
        if tables_read(&text).is_empty() {
            problems.push(format!("{file}: reads none of {TABLES:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The checker above does catch the constructs (a test of the test).
#[test]
fn portability_check_catches_duckdb_only_syntax() {
    for (sql, bad) in [
        ("SELECT x::BIGINT FROM activity", "::"),
        (
            "SELECT * FROM read_parquet('out/activity.parquet')",
            "read_parquet",
        ),
        (
            "SELECT * FROM activity QUALIFY row_number() OVER () = 1",
            "qualify",
        ),
        ("SELECT * EXCLUDE (day) FROM activity", "exclude"),
        ("SELECT list_transform(l, x -> x) FROM findings", "->"),
        ("SELECT strftime(day, '%Y') FROM activity", "strftime"),
        (
            "SELECT count(*) FILTER (WHERE errors > 0) FROM activity",
            "filter (",
        ),
        ("SELECT account FROM activity GROUP BY ALL", "group by all"),
    ] {
        let code = strip_strings(&strip_comments(sql));
        let w = words(&code);
        let flat = code.to_lowercase();
        assert!(
            w.iter().any(|x| x == bad) || flat.contains(bad),
            "{bad} not found in {sql}"
        );
        assert!(
            NON_PORTABLE_WORDS.contains(&bad) || NON_PORTABLE_PHRASES.contains(&bad),
            "{bad} is not in the lists"
        );
    }
    // Comments and strings are not code.
    assert!(
        words(&strip_strings(&strip_comments(
            "-- read_parquet\nSELECT '::'"
        )))
        .len()
            == 1
    );
}

/// The documented schema of `permissions.parquet`, as DuckDB DDL (for tests that must not wait
/// for the output).
const PERMISSIONS_DDL: &str = "CREATE TABLE permissions (account VARCHAR, principal VARCHAR, \
    principal_type VARCHAR, action VARCHAR, service VARCHAR, access_level VARCHAR, \
    granted BOOLEAN, conditional BOOLEAN, used BOOLEAN, observable BOOLEAN, use_count BIGINT, \
    denied_count BIGINT, first_used TIMESTAMP WITH TIME ZONE, \
    last_used TIMESTAMP WITH TIME ZONE, granted_by VARCHAR[]);";

/// The `-- Columns:` list of a file's header.
fn header_columns(text: &str) -> Vec<String> {
    let mut block = String::new();
    let mut inside = false;
    for l in text.lines().take_while(|l| l.starts_with("--")) {
        if let Some(rest) = l.strip_prefix("-- Columns:") {
            inside = true;
            block.push_str(rest);
        } else if inside && l.starts_with("--   ") {
            block.push(' ');
            block.push_str(&l[2..]);
        } else {
            inside = false;
        }
    }
    // Items are separated by commas outside parentheses; each starts with its name.
    let mut items = Vec::new();
    let (mut depth, mut cur) = (0, String::new());
    for c in block.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => items.push(std::mem::take(&mut cur)),
            _ if depth == 0 => cur.push(c),
            _ => {}
        }
    }
    items.push(cur);
    items
        .iter()
        .filter_map(|it| {
            it.split_whitespace()
                .next()
                .map(|w| w.trim_end_matches('.').to_string())
        })
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn header_columns_match_the_result_columns() {
    // The views over the good fixtures; an empty table of the documented schema stands in for
    // permissions.parquet when the scan did not write it.
    let out = good_iam();
    let mut setup = views_sql(out);
    if !out.join("permissions.parquet").exists() {
        setup.push_str(PERMISSIONS_DDL);
    }
    let mut problems = Vec::new();
    for file in numbered_files() {
        let text = query_text(&file);
        let q = strip_comments(&text);
        let q = q.trim().trim_end_matches(';');
        let described = duckdb(&format!(
            "{setup}\nSELECT column_name, column_type FROM (DESCRIBE {q})"
        ));
        let cols: Vec<String> = described
            .iter()
            .map(|r| s(r, "column_name").to_string())
            .collect();
        // Integers as Athena types them (BIGINT), not DuckDB's HUGEINT sums.
        for r in &described {
            if s(r, "column_type").contains("HUGEINT") {
                problems.push(format!("{file}: {} is a HUGEINT", s(r, "column_name")));
            }
        }
        let documented = header_columns(&text);
        if cols != documented {
            problems.push(format!(
                "{file}: header lists {documented:?}\n  the query returns {cols:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn duckdb_views_file_creates_the_three_views() {
    let text = strip_comments(&query_text("duckdb-views.sql"));
    for t in TABLES {
        assert!(
            text.contains(&format!(
                "CREATE OR REPLACE VIEW {t} AS\nSELECT * FROM read_parquet(getvariable('trailguard_out') || '/{t}.parquet')"
            )),
            "duckdb-views.sql has no view {t} over {t}.parquet"
        );
    }
    // With every file present, the whole file runs as is (after the variable is set).
    let out = good();
    let n = duckdb(&format!(
        "SET VARIABLE trailguard_out = {}; {}; \
         SELECT count(*) AS n FROM activity",
        sql_string(&out.display().to_string()),
        strip_comments(&query_text("duckdb-views.sql"))
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty() && !s.contains("/permissions.parquet"))
            .collect::<Vec<_>>()
            .join(";\n")
    ));
    assert!(i(&n[0], "n") > 0);
}

// ---------------------------------------------------------------------------------------------
// Athena DDL

/// `table -> [(column, type)]` of `queries/athena-tables.sql`.
fn athena_tables() -> BTreeMap<String, (Vec<(String, String)>, String)> {
    let text = strip_comments(&query_text("athena-tables.sql"));
    let mut tables = BTreeMap::new();
    for stmt in text.split(';') {
        let stmt = stmt.trim();
        let Some(rest) = stmt.strip_prefix("CREATE EXTERNAL TABLE IF NOT EXISTS trailguard.")
        else {
            continue;
        };
        let name = rest
            .split(|c: char| c.is_whitespace() || c == '(')
            .next()
            .unwrap();
        let cols_text = &rest[rest.find('(').unwrap() + 1..rest.rfind(')').unwrap()];
        let cols = cols_text
            .lines()
            .map(|l| l.trim().trim_end_matches(','))
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (c, t) = l.split_once(char::is_whitespace).expect("`name` type");
                (c.trim_matches('`').to_string(), t.trim().to_string())
            })
            .collect();
        assert!(
            stmt.contains("STORED AS PARQUET"),
            "{name}: not STORED AS PARQUET"
        );
        let location = stmt
            .split("LOCATION '")
            .nth(1)
            .and_then(|l| l.split('\'').next())
            .unwrap_or_else(|| panic!("{name}: no LOCATION"))
            .to_string();
        tables.insert(name.to_string(), (cols, location));
    }
    tables
}

/// The Athena type of a DuckDB type read from the outputs.
fn athena_type(duckdb_type: &str) -> &'static str {
    match duckdb_type {
        "VARCHAR" => "string",
        "BIGINT" => "bigint",
        "DATE" => "date",
        "BOOLEAN" => "boolean",
        "TIMESTAMP WITH TIME ZONE" => "timestamp",
        "VARCHAR[]" => "array<string>",
        t => panic!("no Athena type for DuckDB {t}"),
    }
}

fn check_athena_table(out: &Path, t: &str) {
    let tables = athena_tables();
    let (cols, location) = tables
        .get(t)
        .unwrap_or_else(|| panic!("athena-tables.sql has no table {t}"));
    assert!(
        location.starts_with("s3://") && location.ends_with(&format!("/{t}/")),
        "{t}: LOCATION {location} is not a folder of its own"
    );
    let path = out.join(format!("{t}.parquet"));
    assert!(
        path.exists(),
        "{t}.parquet is missing from {}: `trailguard scan` did not write the {t} output",
        out.display()
    );
    let actual: Vec<(String, String)> = duckdb(&format!("DESCRIBE SELECT * FROM {}", table(&path)))
        .iter()
        .map(|r| {
            (
                s(r, "column_name").to_string(),
                athena_type(s(r, "column_type")).to_string(),
            )
        })
        .collect();
    assert_eq!(
        cols, &actual,
        "athena-tables.sql {t} differs from {t}.parquet"
    );
}

#[test]
fn athena_ddl_matches_activity_and_findings() {
    assert_eq!(
        athena_tables().keys().cloned().collect::<Vec<_>>(),
        ["activity", "findings", "permissions"]
    );
    check_athena_table(good(), "activity");
    check_athena_table(good(), "findings");
}

/// Needs permissions.parquet.
#[test]
fn athena_ddl_matches_permissions() {
    check_athena_table(good_iam(), "permissions");
}

// ---------------------------------------------------------------------------------------------
// 01 unused permissions

/// Checks 01 against the permissions file: ranks, ordering, and counts recomputed directly.
fn check_unused_permissions(out: &Path) -> Vec<Row> {
    let rows = query(out, "01-unused-permissions-by-principal.sql");
    let p = table(&out.join("permissions.parquet"));
    let direct: BTreeMap<String, (i64, i64, i64)> = duckdb(&format!(
        "SELECT account || ' ' || principal AS k, \
           CAST(sum(CASE WHEN access_level = 'Permissions management' THEN 1 ELSE 0 END) AS BIGINT) AS pm, \
           CAST(sum(CASE WHEN access_level = 'Write' THEN 1 ELSE 0 END) AS BIGINT) AS w, \
           count(*) AS total \
         FROM {p} WHERE granted AND observable AND NOT used GROUP BY ALL"
    ))
    .iter()
    .map(|r| (s(r, "k").to_string(), (i(r, "pm"), i(r, "w"), i(r, "total"))))
    .collect();
    assert_eq!(
        rows.len(),
        direct.len(),
        "one row per principal with unused actions"
    );
    for (n, r) in rows.iter().enumerate() {
        assert_eq!(i(r, "risk_rank"), n as i64 + 1);
        let k = format!("{} {}", s(r, "account"), s(r, "principal"));
        let (pm, w, total) = direct[&k];
        assert_eq!(i(r, "unused_permissions_management"), pm, "{k}");
        assert_eq!(i(r, "unused_write"), w, "{k}");
        assert_eq!(i(r, "unused_risky"), pm + w, "{k}");
        assert_eq!(i(r, "unused_total"), total, "{k}");
        let levels: i64 = [
            "unused_permissions_management",
            "unused_write",
            "unused_tagging",
            "unused_read",
            "unused_list",
            "unused_unknown_level",
        ]
        .iter()
        .map(|c| i(r, c))
        .sum();
        assert_eq!(levels, total, "{k}: the levels add up to the total");
        assert!(i(r, "granted_observable") >= total);
        let sample = match &r["unused_risky_sample"] {
            Value::Null => Vec::new(),
            _ => list(r, "unused_risky_sample"),
        };
        assert_eq!(sample.len() as i64, (pm + w).min(20), "{k}");
    }
    for pair in rows.windows(2) {
        let key = |r: &Row| (i(r, "unused_risky"), i(r, "unused_total"));
        assert!(
            key(&pair[0]) >= key(&pair[1]),
            "not riskiest first: {:?} before {:?}",
            pair[0],
            pair[1]
        );
    }
    rows
}

/// Needs permissions.parquet.
#[test]
fn q01_unused_permissions_riskiest_first() {
    // Without authorization details nothing is granted: nothing is unused.
    assert_eq!(check_unused_permissions(good()), Vec::<Row>::new());
    assert_eq!(check_unused_permissions(invictus()), Vec::<Row>::new());
    // With them: carol-admin (AdministratorAccess, never seen in CloudTrail) or the Identity
    // Center AdministratorAccess role holds the most unused risky actions; erin holds nothing.
    let rows = check_unused_permissions(good_iam());
    assert!(!rows.is_empty(), "no unused permissions with --iam-details");
    let top = s(&rows[0], "principal");
    assert!(
        top == "arn:aws:iam::111122223333:user/carol-admin"
            || top.contains("AWSReservedSSO_AdministratorAccess"),
        "an administrator should rank first, not {top}"
    );
    assert!(
        i(&rows[0], "unused_permissions_management") > 100 && i(&rows[0], "unused_write") > 1000,
        "an administrator holds every action: {:?}",
        rows[0]
    );
    assert!(
        rows.iter()
            .all(|r| !s(r, "principal").ends_with("user/erin")),
        "erin has no policy"
    );
}

/// A table of the documented schema with known contents: the ranking and the verdicts, without
/// waiting for permissions.parquet.
#[test]
fn q01_and_q07_on_a_table_of_the_documented_schema() {
    let mut values = Vec::new();
    let mut row = |principal: &str,
                   action: &str,
                   level: &str,
                   (granted, conditional, used, observable): (bool, bool, bool, bool),
                   denied: i64| {
        let service = action.split(':').next().unwrap();
        values.push(format!(
            "('111122223333', 'arn:aws:iam::111122223333:{principal}', '{}', '{action}', \
             '{service}', '{level}', {granted}, {conditional}, {used}, {observable}, {}, \
             {denied}, NULL, NULL, {})",
            if principal.starts_with("user/") {
                "IAMUser"
            } else {
                "Role"
            },
            if used { 3 } else { 0 },
            if granted { "['policy/p']" } else { "[]" },
        ));
    };
    let unused = (true, false, false, true);
    // admin: 3 Permissions management + 2 Write + 5 Read unused, one List used.
    for a in [
        "iam:AttachUserPolicy",
        "iam:CreatePolicy",
        "iam:PutRolePolicy",
    ] {
        row("user/admin", a, "Permissions management", unused, 0);
    }
    row("user/admin", "s3:DeleteBucket", "Write", unused, 0);
    row(
        "user/admin",
        "s3:PutObject",
        "Write",
        (true, true, false, true),
        2,
    );
    for n in 0..5 {
        row("user/admin", &format!("s3:GetThing{n}"), "Read", unused, 0);
    }
    row(
        "user/admin",
        "s3:ListAllMyBuckets",
        "List",
        (true, false, true, true),
        0,
    );
    // writer: 25 Write + 1 Read unused, one Write used and denied once (granted, unconditional).
    for n in 0..25 {
        row(
            "role/writer",
            &format!("ec2:Write{n:02}"),
            "Write",
            unused,
            0,
        );
    }
    row("role/writer", "ec2:DescribeThing", "Read", unused, 0);
    row(
        "role/writer",
        "ec2:RunInstances",
        "Write",
        (true, false, true, true),
        1,
    );
    // reader: 20 Read unused.
    for n in 0..20 {
        row(
            "user/reader",
            &format!("s3:GetOther{n:02}"),
            "Read",
            unused,
            0,
        );
    }
    // tie: 5 Write unused (as risky as admin, fewer unused in all).
    for n in 0..5 {
        row("role/tie", &format!("sqs:Write{n}"), "Write", unused, 0);
    }
    // blind: granted, unused, but not observable: never "unused".
    row(
        "role/blind",
        "iam:PassRole",
        "Write",
        (true, false, false, false),
        0,
    );
    // busy: used all it holds.
    row(
        "role/busy",
        "sts:GetCallerIdentity",
        "Read",
        (true, false, true, true),
        0,
    );
    // outsider: denied an action it is not granted (a row of use only).
    row(
        "user/outsider",
        "kms:Decrypt",
        "Write",
        (false, false, false, true),
        3,
    );

    let setup = format!(
        "{PERMISSIONS_DDL}\nINSERT INTO permissions VALUES {};\n",
        values.join(",\n")
    );
    let run = |file: &str| duckdb(&format!("{setup}{}", query_text(file)));

    let ranked = run("01-unused-permissions-by-principal.sql");
    let got: Vec<(String, i64, i64, i64, i64)> = ranked
        .iter()
        .map(|r| {
            (
                s(r, "principal").rsplit(':').next().unwrap().to_string(),
                i(r, "risk_rank"),
                i(r, "unused_risky"),
                i(r, "unused_total"),
                i(r, "granted_observable"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("role/writer".to_string(), 1, 25, 26, 27),
            ("user/admin".to_string(), 2, 5, 10, 11),
            ("role/tie".to_string(), 3, 5, 5, 5),
            ("user/reader".to_string(), 4, 0, 20, 20),
        ]
    );
    let admin = &ranked[1];
    assert_eq!(i(admin, "unused_permissions_management"), 3);
    assert_eq!(i(admin, "unused_write"), 2);
    assert_eq!(i(admin, "unused_read"), 5);
    assert_eq!(i(admin, "unused_conditional"), 1);
    assert_eq!(i(admin, "used_observable"), 1);
    assert_eq!(
        list(admin, "unused_risky_sample"),
        [
            "iam:AttachUserPolicy",
            "iam:CreatePolicy",
            "iam:PutRolePolicy",
            "s3:DeleteBucket",
            "s3:PutObject"
        ],
        "Permissions management first, then by name"
    );
    let writer = list(&ranked[0], "unused_risky_sample");
    assert_eq!(writer.len(), 20, "the sample stops at 20");
    assert_eq!(writer[0], "ec2:Write00");
    assert_eq!(writer[19], "ec2:Write19");
    assert_eq!(ranked[0]["unused_share"].as_f64(), Some(0.963));

    let denied = run("07-denied-permissions.sql");
    let got: Vec<(String, String, i64, String)> = denied
        .iter()
        .map(|r| {
            (
                s(r, "principal").rsplit(':').next().unwrap().to_string(),
                s(r, "action").to_string(),
                i(r, "denied_count"),
                s(r, "verdict").to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "user/outsider".into(),
                "kms:Decrypt".into(),
                3,
                "not granted".into()
            ),
            (
                "user/admin".into(),
                "s3:PutObject".into(),
                2,
                "granted under a condition".into()
            ),
            (
                "role/writer".into(),
                "ec2:RunInstances".into(),
                1,
                "granted: denied by a resource, session or other policy".into()
            ),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// 02 root timeline

#[track_caller]
fn assert_time_ordered(rows: &[Row], col: &str) {
    for pair in rows.windows(2) {
        let (a, b) = (opt_s(&pair[0], col), opt_s(&pair[1], col));
        let ok = match (a, b) {
            (Some(a), Some(b)) => a <= b,
            (_, None) => true,
            (None, Some(_)) => false,
        };
        assert!(ok, "not in {col} order: {:?} then {:?}", pair[0], pair[1]);
    }
}

#[test]
fn q02_root_timeline() {
    let out = good();
    let rows = query(out, "02-root-activity-timeline.sql");
    assert_time_ordered(&rows, "first_seen");
    let activity: Vec<&Row> = rows
        .iter()
        .filter(|r| s(r, "source") == "activity")
        .collect();
    let findings: Vec<&Row> = rows
        .iter()
        .filter(|r| s(r, "source") == "finding")
        .collect();
    assert_eq!(activity.len() + findings.len(), rows.len());

    // tests/fixtures/good/root-events.json, in time order: a console sign-in, a root access
    // key created, and a failed GetAccountPasswordPolicy.
    let main: Vec<(String, String, Option<&str>, i64, i64)> = activity
        .iter()
        .filter(|r| s(r, "account") == "111122223333")
        .map(|r| {
            (
                rfc3339(s(r, "first_seen")),
                s(r, "event_name").to_string(),
                opt_s(r, "iam_action"),
                i(r, "events"),
                i(r, "errors"),
            )
        })
        .collect();
    assert_eq!(
        main,
        [
            (
                "2024-05-03T06:00:00Z".to_string(),
                "ConsoleLogin".to_string(),
                None,
                1,
                0
            ),
            (
                "2024-05-03T06:05:00Z".to_string(),
                "CreateAccessKey".to_string(),
                Some("iam:CreateAccessKey"),
                1,
                0
            ),
            (
                "2024-05-03T06:06:00Z".to_string(),
                "GetAccountPasswordPolicy".to_string(),
                Some("iam:GetAccountPasswordPolicy"),
                1,
                1
            ),
        ]
    );
    for r in &activity {
        assert!(s(r, "principal").ends_with(":root"), "{r:?}");
    }
    // Every activity row of principal_type Root (the aws-cn and aws-us-gov roots too), and not
    // the account 444455556666 calling into 111122223333 (principal_type AWSAccount).
    let direct = duckdb(&format!(
        "SELECT count(*) AS n, sum(events) AS events FROM {} WHERE principal_type = 'Root'",
        table(&out.join("activity.parquet"))
    ));
    assert_eq!(activity.len() as i64, i(&direct[0], "n"));
    assert_eq!(
        activity.len(),
        6,
        "3 root events in 111122223333, 1 in aws-cn, 2 in aws-us-gov"
    );
    assert!(
        rows.iter()
            .all(|r| s(r, "principal") != "arn:aws:iam::444455556666:root"),
        "another account calling in is not root use"
    );

    // The root findings of findings.jsonl.
    let mut expected: Vec<(String, String, i64)> = findings_jsonl(out)
        .iter()
        .filter(|f| f["rule"].as_str().unwrap().starts_with("root-"))
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["account"].as_str().unwrap().to_string(),
                f["count"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut got: Vec<(String, String, i64)> = findings
        .iter()
        .map(|r| {
            (
                s(r, "rule").to_string(),
                s(r, "account").to_string(),
                i(r, "events"),
            )
        })
        .collect();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    assert!(
        got.iter()
            .any(|(rule, acct, _)| rule == "root-console-login" && acct == "111122223333")
    );
    assert!(
        got.iter()
            .any(|(rule, _, _)| rule == "root-access-key-created")
    );

    // The invictus dataset has no root use.
    assert_eq!(
        query(invictus(), "02-root-activity-timeline.sql"),
        Vec::<Row>::new()
    );
}

// ---------------------------------------------------------------------------------------------
// 03 long-term keys without MFA

fn check_long_term_keys(out: &Path) -> Vec<String> {
    let rows = query(out, "03-long-term-keys-without-mfa.sql");
    let all = findings_jsonl(out);
    let mut expected: Vec<&Value> = all
        .iter()
        .filter(|f| f["rule"] == "long-term-key-without-mfa")
        .collect();
    // Last use, most recent first (RFC 3339 UTC strings sort as times).
    expected.sort_by(|a, b| {
        b["last_seen"].as_str().cmp(&a["last_seen"].as_str()).then(
            a["access_key_id"]
                .as_str()
                .cmp(&b["access_key_id"].as_str()),
        )
    });
    assert_eq!(rows.len(), expected.len());
    for (r, f) in rows.iter().zip(&expected) {
        assert_eq!(s(r, "access_key_id"), f["access_key_id"].as_str().unwrap());
        assert_eq!(s(r, "principal"), f["principal"].as_str().unwrap());
        assert_eq!(i(r, "calls"), f["count"].as_i64().unwrap());
        assert_eq!(
            rfc3339(s(r, "first_seen")),
            f["first_seen"].as_str().unwrap()
        );
        assert_eq!(rfc3339(s(r, "last_seen")), f["last_seen"].as_str().unwrap());
        let ips: Vec<String> = serde_json::from_value(f["source_ips"].clone()).unwrap();
        assert_eq!(list(r, "source_ips"), ips);
        let regions: Vec<String> = serde_json::from_value(f["regions"].clone()).unwrap();
        assert_eq!(list(r, "regions"), regions);
        // services: JSON text from json_extract.
        let services: Value = serde_json::from_str(s(r, "services")).expect("services is JSON");
        assert_eq!(services, f["evidence"]["services"]);
    }
    assert_time_ordered(&rows.iter().rev().cloned().collect::<Vec<_>>(), "last_seen");
    rows.iter()
        .map(|r| s(r, "access_key_id").to_string())
        .collect()
}

#[test]
fn q03_long_term_keys_by_last_use() {
    assert_eq!(
        check_long_term_keys(good()),
        [
            "AKIAALICE00000000000",
            "AKIAOPS0000000000000",
            "AKIABOB0000000000000",
            "AKIALEGACYEXAMPLE001"
        ]
    );
    // The README: the two keys used without MFA, bert-jan's last.
    assert_eq!(
        check_long_term_keys(invictus()),
        ["AKIATFQR7NSC8Q4X20BJ", "AKIATFQR7NSCUXC3DDDP"]
    );
    let rows = query(invictus(), "03-long-term-keys-without-mfa.sql");
    assert_eq!(
        s(&rows[0], "principal"),
        "arn:aws:iam::123837392027:user/bert-jan"
    );
    assert_eq!(
        s(&rows[1], "principal"),
        "arn:aws:iam::123837392027:user/benjamin"
    );
}

// ---------------------------------------------------------------------------------------------
// 04 cross-account matrix

#[test]
fn q04_cross_account_matrix() {
    let out = good();
    let rows = query(out, "04-cross-account-access-matrix.sql");
    // tests/fixtures/good/invoked-by-service.json: account 444455556666 reads
    // s3://example-shared/feed.json in 111122223333, the fixtures' one external account.
    assert_eq!(rows.len(), 1, "{rows:?}");
    let r = &rows[0];
    assert_eq!(s(r, "external_account"), "444455556666");
    assert_eq!(s(r, "target_account"), "111122223333");
    assert_eq!(i(r, "findings"), 1);
    assert_eq!(i(r, "finding_events"), 1);
    assert_eq!(
        list(r, "finding_titles"),
        ["Account 444455556666 accessed arn:aws:s3:::example-shared in 111122223333"]
    );
    assert_eq!(i(r, "activity_events"), 1);
    assert_eq!(i(r, "activity_errors"), 0);
    assert_eq!(i(r, "activity_denied"), 0);
    assert_eq!(
        list(r, "activity_principals"),
        ["arn:aws:iam::444455556666:root"]
    );
    assert_eq!(list(r, "activity_services"), ["s3.amazonaws.com"]);
    assert_eq!(rfc3339(s(r, "finding_first_seen")), "2024-05-01T12:15:00Z");
    assert_eq!(rfc3339(s(r, "activity_last_seen")), "2024-05-01T12:15:00Z");
    // The findings side agrees with findings.jsonl.
    let external: BTreeSet<(String, String)> = findings_jsonl(out)
        .iter()
        .filter(|f| f["rule"] == "cross-account-access")
        .map(|f| {
            (
                f["evidence"]["external_account"][0]
                    .as_str()
                    .unwrap()
                    .to_string(),
                f["account"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        external,
        BTreeSet::from([("444455556666".to_string(), "111122223333".to_string())])
    );
    // One account only in the invictus dataset.
    assert_eq!(
        query(invictus(), "04-cross-account-access-matrix.sql"),
        Vec::<Row>::new()
    );
}

// ---------------------------------------------------------------------------------------------
// 05 daily activity

fn check_daily(out: &Path) -> Vec<Row> {
    let rows = query(out, "05-daily-activity-by-service-and-principal.sql");
    let summary = read_summary(out);
    let total: i64 = rows.iter().map(|r| i(r, "events")).sum();
    assert_eq!(
        total as u64,
        num(&summary, "events"),
        "sum(events) = summary.json events"
    );
    // Per day, and errors and denials, as read directly.
    let direct = duckdb(&format!(
        "SELECT CAST(day AS VARCHAR) AS day, CAST(sum(events) AS BIGINT) AS events, \
           CAST(sum(errors) AS BIGINT) AS errors, CAST(sum(denied) AS BIGINT) AS denied \
         FROM {} GROUP BY day ORDER BY day NULLS LAST",
        table(&out.join("activity.parquet"))
    ));
    let mut per_day: Vec<(Option<String>, i64, i64, i64)> = Vec::new();
    for r in &rows {
        let day = opt_s(r, "day").map(str::to_string);
        match per_day.last_mut() {
            Some(last) if last.0 == day => {
                last.1 += i(r, "events");
                last.2 += i(r, "errors");
                last.3 += i(r, "denied");
            }
            _ => per_day.push((day, i(r, "events"), i(r, "errors"), i(r, "denied"))),
        }
    }
    let expected: Vec<(Option<String>, i64, i64, i64)> = direct
        .iter()
        .map(|r| {
            (
                opt_s(r, "day").map(str::to_string),
                i(r, "events"),
                i(r, "errors"),
                i(r, "denied"),
            )
        })
        .collect();
    assert_eq!(
        per_day, expected,
        "days in order, with the sums of activity.parquet"
    );
    // Within a day, the busiest first; one row per day, account, service and principal.
    let mut keys = BTreeSet::new();
    for pair in rows.windows(2) {
        if pair[0]["day"] == pair[1]["day"] {
            assert!(i(&pair[0], "events") >= i(&pair[1], "events"));
        }
    }
    for r in &rows {
        assert!(keys.insert((
            r["day"].to_string(),
            s(r, "account").to_string(),
            s(r, "event_source").to_string(),
            s(r, "principal").to_string()
        )));
        assert!(i(r, "errors") <= i(r, "events") && i(r, "denied") <= i(r, "errors"));
    }
    rows
}

#[test]
fn q05_daily_activity() {
    let rows = check_daily(good());
    let alice_s3 = rows
        .iter()
        .find(|r| {
            opt_s(r, "day") == Some("2024-05-01")
                && s(r, "event_source") == "s3.amazonaws.com"
                && s(r, "principal") == "arn:aws:iam::111122223333:user/alice"
        })
        .expect("alice's S3 calls of 2024-05-01");
    // tests/fixtures/good/s3-object-events.json.
    assert_eq!(
        (
            i(alice_s3, "events"),
            i(alice_s3, "errors"),
            i(alice_s3, "denied")
        ),
        (5, 1, 1)
    );
    let rows = check_daily(invictus());
    assert!(
        rows.iter().all(|r| opt_s(r, "day") == Some("2023-07-10")),
        "one day of logs"
    );
    assert_eq!(
        s(&rows[0], "principal"),
        "arn:aws:iam::123837392027:user/bert-jan"
    );
}

// ---------------------------------------------------------------------------------------------
// 06 denied attempts (activity)

fn denied_rows(out: &Path) -> Vec<(String, String, i64)> {
    let rows = query(out, "06-denied-attempts.sql");
    for pair in rows.windows(2) {
        assert!(
            i(&pair[0], "denied") >= i(&pair[1], "denied"),
            "most denied first"
        );
    }
    let total: i64 = rows.iter().map(|r| i(r, "denied")).sum();
    let direct = duckdb(&format!(
        "SELECT CAST(coalesce(sum(denied), 0) AS BIGINT) AS n FROM {}",
        table(&out.join("activity.parquet"))
    ));
    assert_eq!(total, i(&direct[0], "n"), "every denial is in a row");
    for r in &rows {
        assert!(i(r, "denied") <= i(r, "errors") && i(r, "errors") <= i(r, "attempts"));
    }
    rows.iter()
        .map(|r| {
            (
                s(r, "principal").to_string(),
                opt_s(r, "iam_action").unwrap_or("-").to_string(),
                i(r, "denied"),
            )
        })
        .collect()
}

#[test]
fn q06_denied_attempts() {
    // The AccessDenied events of s3-object-events.json, lambda-versioned-names.json and
    // pretty-records.json (secretsmanager); the other errors of the fixtures are not denials.
    let got: BTreeSet<(String, String, i64)> = denied_rows(good()).into_iter().collect();
    assert_eq!(
        got,
        BTreeSet::from([
            (
                "arn:aws:iam::111122223333:role/deployer".to_string(),
                "lambda:UpdateFunctionCode".to_string(),
                1
            ),
            (
                "arn:aws:iam::111122223333:user/alice".to_string(),
                "s3:GetObject".to_string(),
                1
            ),
            (
                "arn:aws:iam::111122223333:user/alice".to_string(),
                "secretsmanager:GetSecretValue".to_string(),
                1
            ),
        ])
    );
    let rows = query(good(), "06-denied-attempts.sql");
    let s3 = rows
        .iter()
        .find(|r| opt_s(r, "iam_action") == Some("s3:GetObject"))
        .unwrap();
    assert_eq!(list(s3, "event_names"), ["GetObject"]);
    assert_eq!(i(s3, "attempts"), 2);

    // invictus: the authorization errors counted in the raw logs (29 GetPasswordData and 15
    // DescribeInstanceAttribute Client.UnauthorizedOperation, 13 AssumeRole, 1
    // LeaveOrganization, 1 GetCostAndUsage and 1 GetCostForecast AccessDenied); the
    // throttling and not-found errors are not denials.
    let role = |n: &str| format!("arn:aws:iam::123837392027:role/{n}");
    let bert = "arn:aws:iam::123837392027:user/bert-jan".to_string();
    assert_eq!(
        denied_rows(invictus()),
        [
            (
                role("stratus-red-team-ec2-get-password-data-role"),
                "ec2:GetPasswordData".to_string(),
                29
            ),
            (
                role("stratus-red-team-get-usr-data-role"),
                "ec2:DescribeInstanceAttribute".to_string(),
                15
            ),
            (bert.clone(), "sts:AssumeRole".to_string(), 13),
            (
                role("stratus-red-team-leave-org-role"),
                "organizations:LeaveOrganization".to_string(),
                1
            ),
            (bert.clone(), "ce:GetCostAndUsage".to_string(), 1),
            (bert, "ce:GetCostForecast".to_string(), 1),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// 07 denied permissions (permissions)

/// The denials of activity.parquet per principal and action (comma-joined actions split).
fn denied_by_action(out: &Path) -> BTreeSet<(String, String, i64)> {
    duckdb(&format!(
        "SELECT principal, action, CAST(sum(denied) AS BIGINT) AS denied FROM \
           (SELECT principal, denied, unnest(string_split(iam_action, ',')) AS action FROM {} \
            WHERE denied > 0 AND iam_action IS NOT NULL) GROUP BY ALL",
        table(&out.join("activity.parquet"))
    ))
    .iter()
    .map(|r| {
        (
            s(r, "principal").to_string(),
            s(r, "action").to_string(),
            i(r, "denied"),
        )
    })
    .collect()
}

/// Needs permissions.parquet.
#[test]
fn q07_denied_permissions() {
    for out in [good(), good_iam(), invictus()] {
        let rows = query(out, "07-denied-permissions.sql");
        for pair in rows.windows(2) {
            assert!(i(&pair[0], "denied_count") >= i(&pair[1], "denied_count"));
        }
        let got: BTreeSet<(String, String, i64)> = rows
            .iter()
            .map(|r| {
                (
                    s(r, "principal").to_string(),
                    s(r, "action").to_string(),
                    i(r, "denied_count"),
                )
            })
            .collect();
        assert_eq!(
            got,
            denied_by_action(out),
            "the denials of permissions.parquet are those of activity.parquet ({})",
            out.display()
        );
        for r in &rows {
            let granted = r["granted"].as_bool().expect("granted is a boolean");
            assert_eq!(s(r, "verdict") == "not granted", !granted, "{r:?}");
        }
    }
    // Without authorization details nothing is granted.
    let rows = query(good(), "07-denied-permissions.sql");
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| s(r, "verdict") == "not granted"));
}

/// A scan folder without permissions.parquet: the queries over `permissions` fail naming the
/// missing output; the others still run.
#[test]
fn a_missing_output_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    for f in ["activity.parquet", "findings.parquet"] {
        std::fs::copy(good().join(f), dir.path().join(f)).expect("copy output");
    }
    let err =
        std::panic::catch_unwind(|| query(dir.path(), "01-unused-permissions-by-principal.sql"))
            .expect_err("01 reads permissions");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        msg.contains("reads `permissions`, but permissions.parquet is missing"),
        "{msg}"
    );
    assert_eq!(
        query(dir.path(), "04-cross-account-access-matrix.sql").len(),
        1
    );
}
