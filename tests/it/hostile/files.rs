//! Special files, hostile file names, and the run's own outputs (issue 9, failures 7, 9, 10,
//! and the file-name side of 11).

use super::{
    EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, assert_code_in, event_bytes, exit_code, failures_ending,
    head, records_doc, s, scan_run, summary_of,
};
use crate::common::{num, reason_count, require_tool};
use std::path::{Path, PathBuf};

/// `n` events by alice in a Records document at `path`; IDs start with `tag`.
fn good_file(path: &Path, n: usize, tag: &str) {
    let events: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            event_bytes(
                "111122223333",
                "alice",
                &format!("2024-05-01T12:{i:02}:00Z"),
                &format!("{tag}{i:04}-0000-4000-8000-000000000000"),
                b"",
                b"",
            )
        })
        .collect();
    std::fs::write(path, records_doc(&events)).unwrap();
}

/// A FIFO at `path` (`mkfifo`; nothing in the test opens it, so only trailguard could block on
/// it).
fn fifo(path: &Path) -> PathBuf {
    require_tool("mkfifo", "(coreutils, not a pip package)");
    let st = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(st.success(), "mkfifo {}", path.display());
    path.to_path_buf()
}

/// Issue 9, failure 7 (a): a FIFO in a scanned tree was skipped silently (it is not a regular
/// file, and the walk dropped it without a word). It is counted under
/// `objects_skipped.not_regular_file`; the good file beside it counts; exit 0 or 3.
#[test]
fn hostile_fifo_in_a_tree_is_named_as_skipped() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    good_file(&dir.join("good.json"), 10, "f1f0");
    fifo(&dir.join("pipe.json"));
    let out = tmp.path().join("out");
    let run = scan_run(&[s(&dir)], &out, 2, &["--quiet"]);
    assert_code_in(&run, &[EXIT_OK, EXIT_PARTIAL]);
    let sm = summary_of(&out, &run);
    assert_eq!(num(&sm, "events"), 10, "{sm:#}");
    assert_eq!(
        reason_count(&sm, "objects_skipped", "not_regular_file"),
        1,
        "objects_skipped: {:#}",
        sm["objects_skipped"]
    );
}

/// Issue 9, failure 7 (b): a FIFO named as SOURCE was ignored (exit 0, nothing read, nothing
/// said). It must not hang the run (nothing writes to it), the run exits 1 (nothing could be
/// read), and `failed` names it with kind `not_regular_file`.
#[test]
fn hostile_fifo_as_source_fails_named_without_hanging() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let pipe = fifo(&tmp.path().join("pipe.json"));
    let out = tmp.path().join("out");
    let run = scan_run(&[s(&pipe)], &out, 2, &["--quiet"]);
    assert_code_in(&run, &[EXIT_ERROR]);
    let sm = summary_of(&out, &run);
    let f = failures_ending(&sm, "pipe.json");
    assert_eq!(f.len(), 1, "the FIFO is not in failed: {:#}", sm["failed"]);
    assert_eq!(f[0]["kind"], "not_regular_file", "{}", f[0]);
}

/// A character device as the only SOURCE: no hang, exit 1, and if a summary is written its
/// `failed` names the device.
fn device_as_source(dev: &str) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    let run = scan_run(&[dev.to_string()], &out, 2, &["--quiet"]);
    assert_code_in(&run, &[EXIT_ERROR]);
    if out.join("summary.json").is_file() {
        let sm = summary_of(&out, &run);
        assert_eq!(
            failures_ending(&sm, dev).len(),
            1,
            "{dev} is not in failed: {:#}",
            sm["failed"]
        );
    }
}

/// Issue 9, failure 7 (c): `/dev/zero` as the only SOURCE was ignored with exit 0; it must end
/// the run with exit 1 (nothing could be read), without reading forever.
#[test]
fn hostile_dev_zero_as_source_fails_without_hanging() {
    device_as_source("/dev/zero");
}

/// Issue 9, failure 7 (d): `/dev/urandom` as the only SOURCE, likewise.
#[test]
fn hostile_dev_urandom_as_source_fails_without_hanging() {
    device_as_source("/dev/urandom");
}

/// Issue 9, failure 9: file names were logged raw, so a name with a line break forged a log
/// line: `ok\n2026-01-01T00:00:00Z ERROR forged line.json` (broken JSON) printed a stderr line
/// starting `2026-01-01T00:00:00Z ERROR forged`. No line of stderr or stdout starts with it,
/// and the name is logged with its line break escaped as `\n`.
#[test]
fn hostile_file_name_cannot_forge_log_lines() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    good_file(&dir.join("good.json"), 3, "f9f0");
    let forged = "2026-01-01T00:00:00Z ERROR forged";
    std::fs::write(
        dir.join(format!("ok\n{forged} line.json")),
        b"{\"Records\":[{\"eventID\":",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let run = scan_run(&[s(&dir)], &out, 1, &[]);
    assert_code_in(&run, &[EXIT_PARTIAL]);
    for (stream, text) in [("stderr", &run.stderr), ("stdout", &run.stdout)] {
        assert!(
            !text.lines().any(|l| l.starts_with(forged)),
            "{stream} has a forged line:\n{}",
            head(text, 4000)
        );
    }
    assert!(
        run.stderr.contains(&format!("ok\\n{forged} line.json")),
        "stderr does not name the file with its line break escaped as \\n:\n{}",
        head(&run.stderr, 4000)
    );
}

/// Issue 9, failure 11 (file names): a file name holding an ANSI escape (`ESC[31m`) was
/// printed raw on stdout (the FAILED line) and stderr. Neither holds an ESC byte (colours are
/// off: NO_COLOR).
#[test]
fn hostile_file_name_cannot_write_terminal_escapes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    good_file(&dir.join("good.json"), 3, "f11f");
    std::fs::write(
        dir.join("red\u{1b}[31m.json"),
        b"{\"Records\":[{\"eventID\":",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let run = scan_run(&[s(&dir)], &out, 1, &[]);
    assert_code_in(&run, &[EXIT_PARTIAL]);
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !text.contains('\u{1b}'),
            "{stream} holds a raw ESC byte:\n{}",
            head(&text.replace('\u{1b}', "<ESC>"), 4000)
        );
    }
}

/// Issue 9, failure 10: with --out inside the scanned folder, the second run read the first
/// run's summary.json and findings.jsonl as CloudTrail and failed them (exit 3). It exits 0,
/// counts the same events, and lists nothing under --out as a failure.
#[test]
fn hostile_scan_does_not_read_its_own_outputs() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("folder");
    std::fs::create_dir(&dir).unwrap();
    good_file(&dir.join("a.json"), 4, "f10a");
    good_file(&dir.join("b.json"), 5, "f10b");
    let out = dir.join("out");
    let mut events = Vec::new();
    for i in 1..=2 {
        let run = scan_run(&[s(&dir)], &out, 2, &["--quiet"]);
        let c = exit_code(&run);
        let sm = summary_of(&out, &run);
        let own: Vec<String> = sm["failed"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["path"].as_str())
            .filter(|p| Path::new(p).starts_with(&out))
            .map(str::to_string)
            .collect();
        assert!(own.is_empty(), "run {i} failed its own outputs: {own:?}");
        assert_eq!(c, EXIT_OK, "run {i}: {:#}", sm["failed"]);
        events.push(num(&sm, "events"));
    }
    assert_eq!(events, [9, 9]);
}
