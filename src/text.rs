//! Text from the data is data: names, paths and fields that an attacker may have chosen are
//! escaped before they reach a log line, the terminal or a spreadsheet, so they cannot forge a
//! line, move the cursor, recolour the screen or run a formula.

use std::borrow::Cow;
use std::fmt::Write;

/// Escapes control characters (newlines, tabs, ESC and the rest of C0/C1, DEL) and the
/// Unicode line and paragraph separators as `\n`, `\t`, `\u{1b}`...; everything else is kept.
/// Borrowed when nothing needs escaping.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// A CSV cell that a spreadsheet will not run as a formula: a value starting with `=`, `+`,
/// `-`, `@`, `|` (a DDE pipe), a tab or a carriage return gets a leading `'` (OWASP's advice),
/// and control characters are escaped as in [`escape`].
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    let e = escape(s);
    if e.starts_with(['=', '+', '-', '@', '|', '\t', '\r']) {
        Cow::Owned(format!("'{e}"))
    } else {
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_cannot_forge_lines_or_colours() {
        assert_eq!(escape("plain name"), "plain name");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(
            escape("ok\n2026-01-01T00:00:00Z ERROR forged"),
            "ok\\n2026-01-01T00:00:00Z ERROR forged"
        );
        assert_eq!(escape("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(escape("a\u{0}b"), "a\\u{0}b");
        assert_eq!(escape("right\u{202e}txt.exe"), "right\\u{202e}txt.exe");
    }

    #[test]
    fn formulas_are_neutralised_in_csv_cells() {
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\",\"y\")"),
            "'=HYPERLINK(\"http://x\",\"y\")"
        );
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("-1+2"), "'-1+2");
        assert_eq!(csv_cell("|cmd"), "'|cmd");
        // A leading tab is escaped, so it cannot start a formula either.
        assert_eq!(csv_cell("\tx"), "\\tx");
        assert_eq!(csv_cell("arn:aws:iam::1:root"), "arn:aws:iam::1:root");
        assert_eq!(csv_cell(""), "");
        assert_eq!(csv_cell("alice"), "alice");
    }
}
