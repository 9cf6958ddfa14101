//! How a run ended, as the process exit code that `summary.json` also records. The codes are
//! part of the command-line contract (README, "Exit codes").

/// Exit code: every input was read and no threshold was crossed.
pub const EXIT_OK: i32 = 0;
/// Exit code: the run could not complete (bad arguments after parsing, unwritable output,
/// internal error). Outputs may be missing.
pub const EXIT_ERROR: i32 = 1;
/// Exit code: command-line usage error (from clap).
pub const EXIT_USAGE: i32 = 2;
/// Exit code: the run completed but some inputs failed (named in `summary.json` and on
/// stderr); everything readable was counted.
pub const EXIT_PARTIAL: i32 = 3;
/// Exit code: `--fail-on` was given and a finding at or above that severity exists (and every
/// input was read).
pub const EXIT_FINDINGS: i32 = 4;
/// Exit code: CloudTrail sources were given, everything listed was read, and not one event was
/// counted (nothing under the path, or everything filtered by `--since`/`--until`,
/// `--accounts`/`--regions`): a job pointed at the wrong place must not pass.
pub const EXIT_NO_EVENTS: i32 = 5;

/// How a scan ends: its exit code and every reason that applies, the one that decides the
/// code first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// The exit code.
    pub code: i32,
    /// One sentence per condition met (partial read, no events, `--fail-on`), by precedence.
    pub reasons: Vec<String>,
}

/// What decides a scan's outcome.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Inputs that failed entirely or in part.
    pub failed_inputs: usize,
    /// Objects that could be read (or an earlier run read).
    pub readable_objects: u64,
    /// `--fail-on`: the threshold and the findings at or above it.
    pub over_threshold: Option<(&'static str, usize)>,
    /// Why no event was counted, when CloudTrail sources were given and none was.
    pub no_events: Option<String>,
}

/// The outcome of a scan. Precedence (the code of the first that holds; every one that holds
/// is named): nothing readable among failed inputs [`EXIT_ERROR`], some inputs failed
/// [`EXIT_PARTIAL`], no events [`EXIT_NO_EVENTS`], `--fail-on` crossed [`EXIT_FINDINGS`], else
/// [`EXIT_OK`].
pub fn scan_outcome(f: &Facts) -> Outcome {
    let mut o = Outcome::default();
    let set = |code: i32, reason: String, o: &mut Outcome| {
        if o.code == EXIT_OK {
            o.code = code;
        }
        o.reasons.push(reason);
    };
    if f.failed_inputs > 0 && f.readable_objects == 0 {
        set(
            EXIT_ERROR,
            format!(
                "no input could be read ({} failed; see the FAILED lines and summary.json `failed`)",
                f.failed_inputs
            ),
            &mut o,
        );
    } else if f.failed_inputs > 0 {
        set(
            EXIT_PARTIAL,
            format!(
                "partial read: {} input(s) could not be read in full (summary.json `failed`); everything readable was counted",
                f.failed_inputs
            ),
            &mut o,
        );
    }
    if let Some(why) = &f.no_events {
        set(EXIT_NO_EVENTS, format!("no events counted: {why}"), &mut o);
    }
    if let Some((sev, n)) = f.over_threshold {
        set(
            EXIT_FINDINGS,
            format!("--fail-on {sev}: {n} finding(s) at {sev} or above"),
            &mut o,
        );
    }
    o
}

/// The exit code of a scan: nothing readable is an error (wrong credentials, dead endpoint),
/// failed inputs beside readable ones make a partial run, and only a complete run is judged by
/// `--fail-on`.
pub fn scan_exit_code(failed_inputs: usize, readable_objects: u64, over_threshold: bool) -> i32 {
    scan_outcome(&Facts {
        failed_inputs,
        readable_objects,
        over_threshold: over_threshold.then_some(("threshold", 1)),
        no_events: None,
    })
    .code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_reads_take_precedence_over_fail_on() {
        assert_eq!(scan_exit_code(0, 10, false), EXIT_OK);
        assert_eq!(scan_exit_code(0, 10, true), EXIT_FINDINGS);
        assert_eq!(scan_exit_code(2, 10, true), EXIT_PARTIAL);
        assert_eq!(scan_exit_code(2, 0, true), EXIT_ERROR);
    }

    #[test]
    fn every_reason_is_named_and_the_first_decides() {
        let o = scan_outcome(&Facts {
            failed_inputs: 1,
            readable_objects: 3,
            over_threshold: Some(("high", 2)),
            no_events: Some("everything was outside --since/--until".into()),
        });
        assert_eq!(o.code, EXIT_PARTIAL);
        assert_eq!(o.reasons.len(), 3);
        assert!(o.reasons[0].starts_with("partial read: 1 input"));
        assert!(o.reasons[1].starts_with("no events counted: everything"));
        assert_eq!(
            o.reasons[2],
            "--fail-on high: 2 finding(s) at high or above"
        );
        let o = scan_outcome(&Facts {
            readable_objects: 3,
            over_threshold: Some(("high", 2)),
            no_events: Some("x".into()),
            ..Facts::default()
        });
        assert_eq!(o.code, EXIT_NO_EVENTS);
        let o = scan_outcome(&Facts {
            readable_objects: 3,
            ..Facts::default()
        });
        assert_eq!(o, Outcome::default());
    }
}
