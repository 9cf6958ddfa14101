//! The summary a person reads on stdout: what was read, per account, what could not run, the
//! findings (most severe first, sized to the terminal so the worst stay on screen), what was
//! written and what to run next, and why the run exits as it does.
//!
//! Every string from the data is escaped ([`crate::text::escape`]) before it is printed, so a
//! name in a log cannot move the cursor, recolour the screen or forge a line.

use super::findings::Finding;
use crate::finding::Severity;
use crate::text::escape;
use std::collections::BTreeMap;
use unicode_width::UnicodeWidthStr;

/// `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// How to print: colours, and the size of the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Screen {
    /// ANSI colours.
    pub color: bool,
    /// Columns.
    pub width: usize,
    /// Rows, when stdout is a terminal (the findings table is cut to fit).
    pub height: Option<usize>,
}

impl Screen {
    /// Columns when stdout is not a terminal and `COLUMNS` is not set.
    pub const DEFAULT_WIDTH: usize = 100;

    /// The screen of stdout: colour by `choice` (auto: a terminal, and no `NO_COLOR`), width
    /// from the terminal, else `COLUMNS`, else [`Self::DEFAULT_WIDTH`].
    pub fn detect(choice: ColorChoice) -> Self {
        use std::io::IsTerminal;
        let tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let size = if tty {
            terminal_size::terminal_size_of(std::io::stdout())
        } else {
            None
        };
        let width = size
            .map(|(w, _)| usize::from(w.0))
            .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
            .unwrap_or(Self::DEFAULT_WIDTH)
            .clamp(60, 400);
        Screen {
            color: match choice {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => tty && !no_color,
            },
            width,
            height: size.map(|(_, h)| usize::from(h.0)),
        }
    }

    /// A plain screen of `width` columns (tests, files).
    pub fn plain(width: usize) -> Self {
        Screen {
            color: false,
            width,
            height: None,
        }
    }

    fn paint(&self, style: anstyle::Style, text: &str) -> String {
        if self.color {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, s: Severity, text: &str) -> String {
        use anstyle::{AnsiColor, Style};
        let style = match s {
            Severity::Critical => Style::new()
                .bold()
                .fg_color(Some(AnsiColor::BrightWhite.into()))
                .bg_color(Some(AnsiColor::Red.into())),
            Severity::High => Style::new().bold().fg_color(Some(AnsiColor::Red.into())),
            Severity::Medium => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            Severity::Low => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
            Severity::Info => Style::new().dimmed(),
        };
        self.paint(style, text)
    }

    fn dim(&self, text: &str) -> String {
        self.paint(anstyle::Style::new().dimmed(), text)
    }

    fn bold(&self, text: &str) -> String {
        self.paint(anstyle::Style::new().bold(), text)
    }
}

/// Shortens `s` to at most `max` columns by cutting its middle (`arn:aws:iam::1:role/a/…/name`):
/// the start (partition, account) and the end (the name) are what tell principals apart.
pub fn shorten_middle(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    if max < 5 {
        return s.chars().take(max).collect();
    }
    let chars: Vec<char> = s.chars().collect();
    let keep = max - 1;
    // An ARN keeps its partition, service, region and account whole when they take at most
    // two thirds of the room.
    let arn_prefix = chars
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == ':')
        .nth(4)
        .map(|(i, _)| i + 1)
        .filter(|n| *n <= keep * 2 / 3 && s.starts_with("arn:"));
    let head = arn_prefix.unwrap_or(0).max(keep - keep / 2);
    let tail = keep - head;
    let mut out: String = chars[..head.min(chars.len())].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len().saturating_sub(tail)..]);
    out
}

/// Splits `text` into lines of at most `width` columns at spaces (a word longer than a line is
/// cut).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(10);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word = word.to_string();
        while word.width() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
        }
        if !line.is_empty() && line.width() + 1 + word.width() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn pad(s: &str, n: usize) -> String {
    let w = s.width();
    format!("{s}{}", " ".repeat(n.saturating_sub(w)))
}

/// Wraps a plain line (no colours) to the screen: continuation lines are indented two more
/// than the line's own indent.
pub fn fit(line: &str, screen: &Screen) -> Vec<String> {
    let lead = line.len() - line.trim_start_matches(' ').len();
    let body = &line[lead..];
    wrap(body, screen.width.saturating_sub(lead + 2))
        .into_iter()
        .enumerate()
        .map(|(i, l)| format!("{}{l}", " ".repeat(if i == 0 { lead } else { lead + 2 })))
        .collect()
}

/// Wraps `text` to the screen, continuation lines indented by two.
pub fn wrap_indented(text: &str, screen: &Screen) -> Vec<String> {
    wrap(text, screen.width.saturating_sub(2))
        .into_iter()
        .enumerate()
        .map(|(i, l)| if i == 0 { l } else { format!("  {l}") })
        .collect()
}

/// `2024-01-01T00:02:00Z` -> `2024-01-01 00:02`.
fn short_time(t: Option<&str>) -> String {
    match t {
        Some(t) if t.len() >= 16 => format!("{} {}", &t[..10], &t[11..16]),
        Some(t) => t.to_string(),
        None => "-".to_string(),
    }
}

/// Findings per severity, worst first: `2 critical, 4 high`.
pub fn severity_counts(findings: &[Finding]) -> String {
    let mut by: BTreeMap<std::cmp::Reverse<Severity>, usize> = BTreeMap::new();
    for f in findings {
        *by.entry(std::cmp::Reverse(f.severity)).or_default() += 1;
    }
    by.iter()
        .map(|(s, n)| format!("{n} {}", s.0.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Lines of the findings table, at most `max_rows` findings (the rest summed up in a last
/// line). Per finding: the severity and the title; the count, the last time seen and the rule;
/// the principal (shortened in the middle only when it must be) and the target.
pub fn findings_table(
    findings: &[Finding],
    screen: &Screen,
    max_rows: usize,
    more_in: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    const SEV: usize = 8;
    let indent = " ".repeat(2 + SEV + 2);
    let room = screen.width.saturating_sub(indent.len()).max(20);
    for f in findings.iter().take(max_rows) {
        let title = wrap(&escape(&f.title), room);
        let sev = screen.severity(f.severity, &pad(f.severity.as_str(), SEV));
        out.push(format!("  {sev}  {}", title[0]));
        for l in &title[1..] {
            out.push(format!("{indent}{l}"));
        }
        let count = match (f.count, f.count_unit.as_str()) {
            (0, _) => String::new(),
            (1, "events") => "1 event · ".to_string(),
            (n, unit) => format!("{} {unit} · ", group_digits(n)),
        };
        let when = match &f.last_seen {
            Some(t) => format!("last {} · ", short_time(Some(t))),
            None => String::new(),
        };
        out.push(format!(
            "{indent}{}",
            screen.dim(&format!("{count}{when}{}", f.rule))
        ));
        let principal = escape(&f.principal);
        let target = f
            .target
            .as_deref()
            .map(|t| format!("  [{}]", escape(t)))
            .unwrap_or_default();
        let (principal, target) = if principal.width() + target.width() <= room {
            (principal.into_owned(), target)
        } else {
            // The principal keeps at least half the line; the target the rest.
            let t = shorten_middle(
                &target,
                room.saturating_sub(principal.width().min(room / 2)),
            );
            let p = shorten_middle(&principal, room.saturating_sub(t.width()));
            (p, t)
        };
        out.push(format!("{indent}{principal}{target}"));
    }
    if findings.len() > max_rows {
        let rest = &findings[max_rows..];
        out.push(format!(
            "  ... {} more ({}) in {more_in}",
            rest.len(),
            severity_counts(rest)
        ));
    }
    out
}

/// One line (wrapped) for the rules that could not run, grouped by what they need.
pub fn not_run_line(not_run: &[crate::detect::posture::NotRun], screen: &Screen) -> Vec<String> {
    if not_run.is_empty() {
        return Vec::new();
    }
    let mut by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for n in not_run {
        // The missing input, without the hint in parentheses.
        let need = n.reason.split(" (").next().unwrap_or(&n.reason);
        by.entry(need).or_default().push(&n.rule);
    }
    let parts: Vec<String> = by
        .iter()
        .map(|(need, rules)| {
            let need = need.strip_prefix("needs ").unwrap_or(need);
            match rules.len() {
                1 => format!("{} needs {need}", rules[0]),
                2 | 3 => format!("{} need {need}", rules.join(", ")),
                n => format!("{n} rules need {need}"),
            }
        })
        .collect();
    let text = format!(
        "not run: {} (`trailguard rules ID` says what each needs)",
        parts.join("; ")
    );
    let text = escape(&text).into_owned();
    wrap(&text, screen.width.saturating_sub(4))
        .into_iter()
        .enumerate()
        .map(|(i, l)| format!("{}{l}", if i == 0 { "  " } else { "    " }))
        .collect()
}

/// The account lines: events, findings and coverage, at most `max` accounts.
pub fn account_lines(
    accounts: &[crate::coverage::AccountCoverage],
    screen: &Screen,
    max: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    if accounts.is_empty() {
        return out;
    }
    let mut sorted: Vec<&crate::coverage::AccountCoverage> = accounts.iter().collect();
    sorted.sort_by(|a, b| b.findings.cmp(&a.findings).then(b.events.cmp(&a.events)));
    for a in sorted.iter().take(max) {
        out.push(format!(
            "  {}  {:>9} events  {:>4} findings  {} region(s), {} region-hour(s) delivered",
            screen.bold(&pad(&escape(&a.account), 12)),
            group_digits(a.events),
            a.findings,
            a.regions.len(),
            a.hours_delivered
        ));
    }
    if sorted.len() > max {
        out.push(format!(
            "  ... {} more accounts in summary.json (accounts)",
            sorted.len() - max
        ));
    }
    out
}

/// `1234567` -> `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Paints a severity word for other parts of the summary.
pub fn severity_word(screen: &Screen, s: Severity) -> String {
    screen.severity(s, s.as_str())
}

/// Bold text, when colours are on.
pub fn strong(screen: &Screen, text: &str) -> String {
    screen.bold(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_are_shortened_in_the_middle() {
        let arn = "arn:aws:iam::136651530598:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_abcdef";
        let s = shorten_middle(arn, 40);
        assert_eq!(s.chars().count(), 40);
        assert!(s.starts_with("arn:aws:iam::136651530598"), "{s}");
        assert!(s.ends_with("Admin_abcdef"), "{s}");
        assert_eq!(shorten_middle("short", 40), "short");
    }

    #[test]
    fn text_wraps_at_spaces() {
        assert_eq!(wrap("aaa bbb ccc", 7), vec!["aaa bbb", "ccc"]);
        assert_eq!(wrap("", 10), vec![""]);
        let long = "x".repeat(25);
        assert_eq!(wrap(&long, 10).len(), 3);
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(1234567), "1,234,567");
    }
}
