//! A hostile `--state` folder (issue 9, failure 5): the state's own files are never followed
//! through symlinks, and a generation number at the end of its range does not wrap.

use super::{EXIT_ERROR, EXIT_OK, ROOT, assert_code_in, head, s, scan_run};
use crate::common::RunResult;
use std::path::Path;

/// One good fixture file (one event).
fn good() -> String {
    format!("{ROOT}/tests/fixtures/good/single-event.json")
}

fn run_with_state(state: &Path, out: &Path) -> RunResult {
    scan_run(&[good()], out, 1, &["--state", &s(state), "--quiet"])
}

/// The run either succeeded or failed with exit 1 naming `name`.
#[track_caller]
fn ok_or_refused_naming(run: &RunResult, name: &str) {
    let c = assert_code_in(run, &[EXIT_OK, EXIT_ERROR]);
    if c == EXIT_ERROR {
        assert!(
            run.stderr.contains(name),
            "the refusal does not name {name}:\n{}",
            head(&run.stderr, 2000)
        );
    }
}

/// Symlinks `link` to a new file `target` holding "precious".
fn precious_link(target: &Path, link: &Path) {
    std::fs::write(target, "precious").unwrap();
    std::os::unix::fs::symlink(target, link).unwrap();
}

#[track_caller]
fn assert_precious(target: &Path) {
    assert_eq!(
        std::fs::read_to_string(target).unwrap_or_default(),
        "precious",
        "{} was written through a symlink in the state folder",
        target.display()
    );
}

/// Issue 9, failure 5 (a): `DIR/LOCK` was opened through a symlink and truncated to
/// `pid <n>`, overwriting the file it points to. The target keeps its content; the run may
/// refuse (exit 1 naming LOCK) or replace the link.
#[test]
fn hostile_state_lock_symlink_is_not_followed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let state = tmp.path().join("state");
    std::fs::create_dir(&state).unwrap();
    let target = tmp.path().join("precious.txt");
    precious_link(&target, &state.join("LOCK"));
    let run = run_with_state(&state, &tmp.path().join("out"));
    ok_or_refused_naming(&run, "LOCK");
    assert_precious(&target);
}

/// Issue 9, failure 5 (b), fresh folder: with only a `CURRENT.tmp` symlink in a new state
/// folder, the first pointer (`none`) was written through the link, overwriting its target.
#[test]
fn hostile_state_pointer_tmp_symlink_is_not_followed_in_a_fresh_folder() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let state = tmp.path().join("state");
    std::fs::create_dir(&state).unwrap();
    let target = tmp.path().join("precious.txt");
    precious_link(&target, &state.join("CURRENT.tmp"));
    let run = run_with_state(&state, &tmp.path().join("out"));
    ok_or_refused_naming(&run, "CURRENT.tmp");
    assert_precious(&target);
}

/// Issue 9, failure 5 (b), existing state: a `CURRENT.tmp` symlink planted next to a committed
/// generation; the next run's commit must not write through it.
#[test]
fn hostile_state_pointer_tmp_symlink_is_not_followed_in_a_used_folder() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let state = tmp.path().join("state");
    assert_code_in(
        &run_with_state(&state, &tmp.path().join("out-1")),
        &[EXIT_OK],
    );
    let target = tmp.path().join("precious.txt");
    precious_link(&target, &state.join("CURRENT.tmp"));
    let run = run_with_state(&state, &tmp.path().join("out-2"));
    ok_or_refused_naming(&run, "CURRENT.tmp");
    assert_precious(&target);
}

/// Issue 9, failure 5 (c): a complete generation renamed `gen-18446744073709551615` (u64::MAX)
/// with CURRENT naming it: the next generation number wrapped to 0, the run wrote `gen-0` and
/// CURRENT `gen-0`, and every later run failed on its own pointer ("garbled state pointer
/// `gen-0`"). The run must not create `gen-0`: it exits 1 naming the generation, or succeeds;
/// a second run then works, or fails with the same clear message.
#[test]
fn hostile_state_generation_number_does_not_wrap() {
    const MAX: &str = "gen-18446744073709551615";
    let tmp = tempfile::tempdir().expect("temp dir");
    let state = tmp.path().join("state");
    assert_code_in(
        &run_with_state(&state, &tmp.path().join("out-0")),
        &[EXIT_OK],
    );
    std::fs::rename(state.join("gen-1"), state.join(MAX)).unwrap();
    std::fs::write(state.join("CURRENT"), format!("{MAX}\n")).unwrap();
    let mut first_refusal = None;
    for i in 1..=2 {
        let run = run_with_state(&state, &tmp.path().join(format!("out-{i}")));
        let c = assert_code_in(&run, &[EXIT_OK, EXIT_ERROR]);
        assert!(
            !state.join("gen-0").exists(),
            "run {i} created gen-0 (the generation number wrapped)"
        );
        let current = std::fs::read_to_string(state.join("CURRENT")).unwrap_or_default();
        assert_ne!(current.trim(), "gen-0", "run {i} pointed CURRENT at gen-0");
        if c == EXIT_ERROR {
            assert!(
                run.stderr.contains("18446744073709551615"),
                "run {i} failed without naming the generation:\n{}",
                head(&run.stderr, 2000)
            );
            assert!(
                !run.stderr.contains("garbled"),
                "run {i} failed on a pointer trailguard wrote itself:\n{}",
                head(&run.stderr, 2000)
            );
            if i == 2 {
                assert!(
                    first_refusal.is_some(),
                    "the first run succeeded but the second failed:\n{}",
                    head(&run.stderr, 2000)
                );
            }
            first_refusal.get_or_insert(run.stderr.clone());
        }
    }
}
