//! Salvage: when a whole object does not parse, every record that parses on its own is still
//! read. A damaged gzip member, a truncated tail, one broken record or one value that the fast
//! parser refuses costs that record, not the file, so nobody can hide activity by spoiling one
//! byte of an object.
//!
//! The records are found by a byte scanner that follows strings and brackets (the elements of a
//! `Records` array, of a bare array, or a lone event object), then each is parsed by itself.
//! A record simd-json refuses is repaired once before it is given up: invalid UTF-8 becomes
//! U+FFFD, a lone surrogate escape becomes `\ufffd`, a number no 64-bit type holds (`2^64`,
//! `1e400`) becomes the same digits as a string, and raw control characters in strings are
//! escaped. Only complete events (`eventTime`, `eventSource` and `eventName`) count as salvaged
//! records: an object of bare IDs cannot pass for the events whose IDs it copies.

use crate::event::Event;
use simd_json::{Buffers, Tape};
use std::borrow::Cow;
use std::ops::Range;

/// What salvage recovered from one object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Salvaged {
    /// Records read (events handed on).
    pub records: u64,
    /// Elements that parsed but are not events.
    pub invalid: u64,
    /// Elements that could not be read even after repair.
    pub lost: u64,
    /// Records read after a repair of valid but unusual JSON (huge numbers, lone surrogates).
    pub repaired: u64,
    /// Records read after a repair of invalid bytes (bad UTF-8, raw control characters).
    pub repaired_invalid: u64,
    /// The data ended inside a record (a truncated object or a damaged gzip member).
    pub truncated: bool,
    /// Whether a `Records` array was found.
    pub records_array: bool,
}

/// The byte ranges of the records in `b`, whether the data ended inside one, whether a
/// `Records` array held them, and how many damaged stretches were skipped (each costs at least
/// the record it broke; the scanner resumes at the next record boundary).
#[cfg(test)]
fn record_spans(b: &[u8]) -> (Vec<Range<usize>>, bool, bool, u64) {
    let mut spans = Vec::new();
    let (truncated, any_array, damaged) = scan_records(b, |r| spans.push(r));
    (spans, truncated, any_array, damaged)
}

/// The record scanner, without collecting: each record's range goes to `each` as it is found, so
/// a document of millions of tiny elements costs no memory beyond its own bytes.
fn scan_records(b: &[u8], mut each: impl FnMut(Range<usize>)) -> (bool, bool, u64) {
    let mut stack: Vec<u8> = Vec::new();
    let (mut in_str, mut esc) = (false, false);
    let mut str_start = 0usize;
    let mut last_key: Option<Range<usize>> = None;
    let mut key_is_records = false;
    // Depth (stack length) of the array whose elements are records.
    let mut rec_depth: Option<usize> = None;
    let mut elem: Option<usize> = None;
    // Start of a root object, and whether a records array was found inside it.
    let mut root: Option<usize> = None;
    let mut root_had_array = false;
    let mut any_array = false;
    let mut damaged = 0u64;
    let mut i = 0usize;
    while i < b.len() {
        let c = b[i];
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
                if stack.len() == 1 && stack[0] == b'{' {
                    last_key = Some(str_start..i);
                }
            }
            i += 1;
            continue;
        }
        let at_elements = rec_depth == Some(stack.len());
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b',' => {
                if at_elements && let Some(s) = elem.take() {
                    each(s..trim_end(b, s, i));
                }
                if stack.len() == 1 {
                    key_is_records = false;
                }
            }
            b':' => {
                if stack.len() == 1 && stack[0] == b'{' {
                    key_is_records = last_key
                        .as_ref()
                        .is_some_and(|k| &b[k.clone()] == b"Records");
                }
            }
            b'{' | b'[' => {
                if at_elements && elem.is_none() {
                    elem = Some(i);
                }
                if stack.is_empty() {
                    if c == b'[' {
                        rec_depth = Some(1);
                        any_array = true;
                    } else {
                        root = Some(i);
                        root_had_array = false;
                    }
                } else if c == b'[' && stack.len() == 1 && stack[0] == b'{' && key_is_records {
                    rec_depth = Some(2);
                    root_had_array = true;
                    any_array = true;
                }
                stack.push(c);
            }
            b'}' | b']' => {
                let open = if c == b'}' { b'{' } else { b'[' };
                if stack.last() != Some(&open) {
                    // Unbalanced: the record being read is damaged. Inside a records array,
                    // resume at the next record boundary (`}` `,` `{`); elsewhere what follows
                    // cannot be delimited.
                    let Some(depth) = rec_depth.filter(|d| stack.len() >= *d) else {
                        break;
                    };
                    let Some(next) = next_record_start(b, i + 1) else {
                        break;
                    };
                    damaged += 1;
                    stack.truncate(depth);
                    stack.push(b'{');
                    elem = Some(next);
                    in_str = false;
                    esc = false;
                    i = next + 1;
                    continue;
                }
                if c == b']' && at_elements {
                    if let Some(s) = elem.take() {
                        each(s..trim_end(b, s, i));
                    }
                    rec_depth = None;
                }
                stack.pop();
                if stack.is_empty()
                    && c == b'}'
                    && let Some(r) = root.take()
                    && !root_had_array
                {
                    each(r..i + 1);
                }
            }
            _ => {
                if c == b'"' {
                    in_str = true;
                    str_start = i + 1;
                }
                if at_elements && elem.is_none() {
                    elem = Some(i);
                }
            }
        }
        i += 1;
    }
    let truncated = elem.is_some() || !stack.is_empty();
    (truncated, any_array, damaged)
}

/// The start of the next record after a damaged one: a `{` whose previous significant bytes
/// are `}` and `,` (the boundary between two elements of an array of objects).
fn next_record_start(b: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(off) = memchr::memchr(b'{', &b[at..]) {
        let j = at + off;
        let before = b[..j].trim_ascii_end();
        if let Some(rest) = before.strip_suffix(b",")
            && rest.trim_ascii_end().ends_with(b"}")
        {
            return Some(j);
        }
        at = j + 1;
    }
    None
}

fn trim_end(b: &[u8], start: usize, end: usize) -> usize {
    start + b[start..end].trim_ascii_end().len()
}

/// Reads every record of `b` that parses alone, calling `on_event` for each event.
pub fn salvage<F>(b: &[u8], buffers: &mut Buffers, on_event: &mut F) -> Salvaged
where
    F: FnMut(&Event<'_, '_>),
{
    let mut out = Salvaged::default();
    let mut scratch: Vec<u8> = Vec::new();
    let (truncated, records_array, damaged) = scan_records(b, |span| {
        let src = &b[span];
        match parse_one(src, &mut scratch, buffers, on_event) {
            Some(true) => out.records += 1,
            Some(false) => out.invalid += 1,
            None => match repair(src) {
                Some((fixed, invalid_bytes)) => {
                    match parse_one(&fixed, &mut scratch, buffers, on_event) {
                        Some(true) => {
                            out.records += 1;
                            if invalid_bytes {
                                out.repaired_invalid += 1;
                            } else {
                                out.repaired += 1;
                            }
                        }
                        Some(false) => out.invalid += 1,
                        None => out.lost += 1,
                    }
                }
                None => out.lost += 1,
            },
        }
    });
    out.truncated = truncated;
    out.records_array = records_array;
    out.lost += u64::from(truncated) + damaged;
    out
}

/// Parses one record; `Some(true)` when it is an event (handed on), `Some(false)` when it is
/// JSON but no event, `None` when it does not parse.
fn parse_one<F>(
    src: &[u8],
    scratch: &mut Vec<u8>,
    buffers: &mut Buffers,
    on_event: &mut F,
) -> Option<bool>
where
    F: FnMut(&Event<'_, '_>),
{
    scratch.clear();
    scratch.extend_from_slice(src);
    scratch.resize(src.len() + simd_json::INPUT_PADDING, 0);
    let mut tape = Tape::null().reset();
    simd_json::fill_tape_padded(&mut scratch[..], src.len(), buffers, &mut tape).ok()?;
    match Event::from_value(tape.as_value()) {
        Some(e) if e.is_complete() => {
            on_event(&e);
            Some(true)
        }
        _ => Some(false),
    }
}

/// Rewrites one record so that a strict parser takes it; `None` when nothing could be changed.
/// The flag tells whether the input was invalid JSON (bad UTF-8, raw control characters) rather
/// than valid JSON with values out of the parser's range.
pub fn repair(src: &[u8]) -> Option<(Vec<u8>, bool)> {
    let text = String::from_utf8_lossy(src);
    let mut invalid = matches!(text, Cow::Owned(_));
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len() + 16);
    let mut changed = invalid;
    let mut i = 0usize;
    let mut in_str = false;
    while i < b.len() {
        let c = b[i];
        if in_str {
            match c {
                b'"' => {
                    in_str = false;
                    out.push(c);
                    i += 1;
                }
                b'\\' if b.get(i + 1) == Some(&b'u') => {
                    let unit = hex4(b, i + 2);
                    match unit {
                        Some(u) if (0xD800..0xDC00).contains(&u) => {
                            let low = (b.get(i + 6) == Some(&b'\\') && b.get(i + 7) == Some(&b'u'))
                                .then(|| hex4(b, i + 8))
                                .flatten()
                                .filter(|l| (0xDC00..0xE000).contains(l));
                            if low.is_some() {
                                out.extend_from_slice(&b[i..i + 12]);
                                i += 12;
                            } else {
                                out.extend_from_slice(b"\\ufffd");
                                changed = true;
                                i += 6;
                            }
                        }
                        Some(u) if (0xDC00..0xE000).contains(&u) => {
                            out.extend_from_slice(b"\\ufffd");
                            changed = true;
                            i += 6;
                        }
                        Some(_) => {
                            out.extend_from_slice(&b[i..i + 6]);
                            i += 6;
                        }
                        None => {
                            // A broken escape: keep the text, drop the backslash.
                            out.extend_from_slice(b"\\\\");
                            changed = true;
                            invalid = true;
                            i += 1;
                        }
                    }
                }
                b'\\' => {
                    let next = b.get(i + 1).copied();
                    if matches!(
                        next,
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't')
                    ) {
                        out.extend_from_slice(&b[i..i + 2]);
                        i += 2;
                    } else {
                        out.extend_from_slice(b"\\\\");
                        changed = true;
                        invalid = true;
                        i += 1;
                    }
                }
                c if c < 0x20 => {
                    out.extend_from_slice(format!("\\u{c:04x}").as_bytes());
                    changed = true;
                    invalid = true;
                    i += 1;
                }
                c => {
                    out.push(c);
                    i += 1;
                }
            }
            continue;
        }
        match c {
            b'"' => {
                in_str = true;
                out.push(c);
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let start = i;
                while i < b.len() && matches!(b[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    i += 1;
                }
                let num = &text[start..i];
                if number_fits(num) {
                    out.extend_from_slice(num.as_bytes());
                } else {
                    out.push(b'"');
                    out.extend_from_slice(num.as_bytes());
                    out.push(b'"');
                    changed = true;
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    changed.then_some((out, invalid))
}

fn hex4(b: &[u8], at: usize) -> Option<u32> {
    let s = std::str::from_utf8(b.get(at..at + 4)?).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// Whether a JSON number is one a 64-bit integer or a finite double holds.
fn number_fits(n: &str) -> bool {
    if n.contains(['.', 'e', 'E']) {
        n.parse::<f64>().is_ok_and(f64::is_finite)
    } else {
        n.parse::<i64>().is_ok() || n.parse::<u64>().is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EV: &str = r#"{"eventTime":"2024-05-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"A","eventID":"1"}"#;

    fn run(b: &[u8]) -> (Vec<String>, Salvaged) {
        let mut buffers = Buffers::new(1024);
        let mut names = Vec::new();
        let s = salvage(b, &mut buffers, &mut |e: &Event<'_, '_>| {
            names.push(e.event_name.unwrap_or("-").to_string())
        });
        (names, s)
    }

    #[test]
    fn finds_records_in_every_shape() {
        let doc = format!(r#"{{"Records":[{EV}, {EV} ,{EV}]}}"#);
        let (spans, truncated, arr, _) = record_spans(doc.as_bytes());
        assert_eq!((spans.len(), truncated, arr), (3, false, true));
        assert_eq!(&doc.as_bytes()[spans[1].clone()], EV.as_bytes());
        let (spans, _, _, _) = record_spans(format!("[{EV},{EV}]").as_bytes());
        assert_eq!(spans.len(), 2);
        let (spans, _, arr, _) = record_spans(EV.as_bytes());
        assert_eq!((spans.len(), arr), (1, false));
        // Strings with brackets and escaped quotes do not confuse the scanner.
        let tricky = r#"{"Records":[{"eventTime":"x","eventName":"]}\"[{","eventID":"1"}]}"#;
        assert_eq!(record_spans(tricky.as_bytes()).0.len(), 1);
    }

    #[test]
    fn one_bad_record_costs_that_record_only() {
        let doc = format!(r#"{{"Records":[{EV},{{"eventTime":"x", broken}},{EV}]}}"#);
        let (names, s) = run(doc.as_bytes());
        assert_eq!(names.len(), 2);
        assert_eq!((s.records, s.lost, s.truncated), (2, 1, false));
        // A stray `}` in the middle: the scanner resumes at the next record.
        let stray = format!(r#"{{"Records":[{EV},{{"eventTime":"2024"}}}},{EV},{EV}]}}"#);
        let (names, s) = run(stray.as_bytes());
        assert_eq!(names.len(), 3, "{s:?}");
        assert!(s.lost >= 1);
        let cut = format!(r#"{{"Records":[{EV},{EV},{{"eventTime":"2024"#);
        let (_, s) = run(cut.as_bytes());
        assert_eq!((s.records, s.lost, s.truncated), (2, 1, true));
    }

    #[test]
    fn unusual_values_are_read_as_text() {
        for odd in ["18446744073709551616", "1e400", "-99999999999999999999"] {
            let doc = format!(
                r#"{{"Records":[{{"eventTime":"2024-05-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"N","eventID":"1","requestParameters":{{"n":{odd}}}}}]}}"#
            );
            let (names, s) = run(doc.as_bytes());
            assert_eq!(names, ["N"], "{odd}");
            assert_eq!((s.repaired, s.repaired_invalid), (1, 0), "{odd}");
        }
        let lone = r#"[{"eventTime":"2024-05-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"S\ud800","eventID":"1"}]"#;
        let (names, s) = run(lone.as_bytes());
        assert_eq!(names, ["S\u{fffd}"]);
        assert_eq!(s.repaired, 1);
        let mut bad = br#"[{"eventTime":"2024-05-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"U"#.to_vec();
        bad.push(0xff);
        bad.extend_from_slice(br#"","eventID":"1"}]"#);
        let (names, s) = run(&bad);
        assert_eq!(names, ["U\u{fffd}"]);
        assert_eq!(s.repaired_invalid, 1);
    }

    #[test]
    fn records_that_are_not_events_claim_nothing() {
        let ids =
            r#"{"Records":[{"eventID":"1"},{"eventID":"2","eventTime":"2024-05-01T00:00:00Z"}]}"#;
        let (names, s) = run(ids.as_bytes());
        assert!(names.is_empty());
        assert_eq!(s.invalid, 2);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_never_invents_records(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let (names, s) = run(&bytes);
            proptest::prop_assert_eq!(names.len() as u64, s.records);
            let _ = repair(&bytes);
        }
    }
}
