//! The progress line on stderr: objects, MB and events per second. Hidden when stderr is not a
//! terminal or with `--quiet`.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// A progress display.
pub struct Progress {
    bar: ProgressBar,
    start: Instant,
}

impl Progress {
    /// A spinner on stderr, or a hidden one.
    pub fn new(enabled: bool) -> Self {
        let bar = if enabled && std::io::stderr().is_terminal() {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(200));
            b
        } else {
            ProgressBar::hidden()
        };
        Progress {
            bar,
            start: Instant::now(),
        }
    }

    /// Updates the counters.
    pub fn update(&self, objects: u64, bytes: u64, events: u64, failed: u64) {
        if self.bar.is_hidden() {
            return;
        }
        let secs = self.start.elapsed().as_secs_f64().max(1e-3);
        self.bar.set_message(format!(
            "{objects} objects, {:.0} MB, {events} events ({:.0}/s){}",
            bytes as f64 / 1e6,
            events as f64 / secs,
            if failed > 0 {
                format!(", {failed} failed")
            } else {
                String::new()
            }
        ));
    }

    /// Removes the line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
