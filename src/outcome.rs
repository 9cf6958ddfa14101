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

/// The exit code of a scan: nothing readable is an error (wrong credentials, dead endpoint),
/// failed inputs beside readable ones make a partial run, and only a complete run is judged by
/// `--fail-on`.
pub fn scan_exit_code(failed_inputs: usize, readable_objects: u64, over_threshold: bool) -> i32 {
    if failed_inputs > 0 && readable_objects == 0 {
        EXIT_ERROR
    } else if failed_inputs > 0 {
        EXIT_PARTIAL
    } else if over_threshold {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
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
}
