//! Bytes -> events. Content is recognised by its bytes, not its name:
//!
//! * gzip (any number of members) or plain;
//! * a `{"Records": [...]}` document (what CloudTrail writes), a bare JSON array of events, a
//!   single event object, or JSON Lines (one event per line, as CloudTrail Lake and EventBridge
//!   exports give).
//!
//! Decompression is capped per object (a gzip bomb is refused, not allocated) and JSON nesting
//! is capped by simd-json's depth limit. Parsing builds a simd-json tape in buffers that a
//! [`Decoder`] reuses from object to object; events borrow their strings from it.

mod budget;
pub mod gunzip;
mod salvage;

pub use budget::{DECODE_FACTOR, MemoryBudget, Reservation};
pub use gunzip::{gunzip_capped, gunzip_prefix, trailer_size};
pub use salvage::Salvaged;

use crate::error::DecodeError;
use crate::event::Event;
use simd_json::prelude::*;
use simd_json::{Buffers, Tape};
use std::sync::Arc;

/// Buffers larger than this are given back after an object instead of being kept for the
/// next one, so that what a decoder holds between objects stays small and the budget
/// ([`MemoryBudget`]) accounts for the rest.
const RETAIN: usize = 4 << 20;

/// Limits applied to every object.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Maximum decompressed bytes per object.
    pub max_decompressed: u64,
    /// Maximum JSON nesting depth.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_decompressed: 1 << 30,
            max_depth: 128,
        }
    }
}

/// The shape an object turned out to have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// `{"Records": [...]}`.
    Records,
    /// `[event, ...]`.
    Array,
    /// One event object.
    Single,
    /// One event (or one document) per line.
    Lines,
    /// Several documents back to back.
    Concatenated,
}

/// What decoding one object gave.
#[derive(Debug)]
pub struct Decoded {
    /// Bytes as read.
    pub compressed_bytes: u64,
    /// Bytes after decompression (equal to `compressed_bytes` for plain input).
    pub uncompressed_bytes: u64,
    /// Whether the input was gzip.
    pub gzip: bool,
    /// The document shape.
    pub shape: Shape,
    /// Records handed to the callback.
    pub records: u64,
    /// Array elements or lines that were not JSON objects.
    pub invalid_records: u64,
    /// A problem that still let part of the object be read (broken lines in JSON Lines).
    pub partial_error: Option<DecodeError>,
    /// SHA-256 of the decompressed bytes, when the decoder hashes ([`Decoder::hash`]) and the
    /// object inflated whole (CloudTrail's digest files state it for every log file).
    pub sha256: Option<[u8; 32]>,
}

/// A per-thread decoder that keeps its buffers between objects.
pub struct Decoder {
    limits: Limits,
    buffers: Buffers,
    inflated: Vec<u8>,
    /// Hash every object's decompressed bytes (`scan --verify`).
    pub hash: bool,
    last_sha256: Option<[u8; 32]>,
    tape: Option<Tape<'static>>,
    budget: Option<Arc<MemoryBudget>>,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

impl Decoder {
    /// A decoder with these limits.
    pub fn new(limits: Limits) -> Self {
        Decoder {
            limits,
            buffers: Buffers::with_max_depth(1 << 16, limits.max_depth),
            inflated: Vec::new(),
            hash: false,
            last_sha256: None,
            tape: Some(Tape::null().reset()),
            budget: None,
        }
    }

    /// A decoder that reserves what each object costs from a shared budget first.
    pub fn with_budget(limits: Limits, budget: Arc<MemoryBudget>) -> Self {
        Decoder {
            budget: Some(budget),
            ..Decoder::new(limits)
        }
    }

    fn reserve(&self, inflated: u64) -> Reservation {
        match &self.budget {
            Some(b) => b.reserve(inflated.saturating_mul(DECODE_FACTOR)),
            None => Reservation::none(),
        }
    }

    /// Inflates (or copies) `raw` into `out` under the budget. Returns the reservation that
    /// covers decoding it and, for a damaged gzip stream, the damage (`out` then holds what
    /// came before it).
    fn fill(
        &self,
        raw: &[u8],
        gzip: bool,
        out: &mut Vec<u8>,
    ) -> Result<(Reservation, Option<std::io::Error>), DecodeError> {
        let cap = self.limits.max_decompressed;
        if !gzip {
            if raw.len() as u64 > cap {
                return Err(DecodeError::TooLarge { limit: cap });
            }
            let res = self.reserve(raw.len() as u64);
            out.clear();
            out.reserve(raw.len() + simd_json::INPUT_PADDING);
            out.extend_from_slice(raw);
            return Ok((res, None));
        }
        // The trailer states the size of honest single-member objects: reserve that, and
        // reserve the whole cap only for an object that turns out larger (several members, or
        // a trailer that lies). A thread never waits while it holds a reservation.
        let stated = trailer_size(raw).map_or(cap, |s| s.min(cap));
        let res = self.reserve(stated);
        match gunzip_prefix(raw, stated, out) {
            Ok(damage) => Ok((res, damage)),
            Err(DecodeError::TooLarge { .. }) if stated < cap => {
                drop(res);
                let res = self.reserve(cap);
                let damage = gunzip_prefix(raw, cap, out)?;
                Ok((res, damage))
            }
            Err(e) => Err(e),
        }
    }

    /// Inflates (or copies) `raw` again into `out`, under the reservation an earlier
    /// [`Decoder::fill`] of the same bytes took (it covers the same size).
    fn refill(&self, raw: &[u8], gzip: bool, out: &mut Vec<u8>) -> Result<(), DecodeError> {
        if gzip {
            gunzip_prefix(raw, self.limits.max_decompressed, out).map(|_| ())
        } else {
            out.clear();
            out.extend_from_slice(raw);
            Ok(())
        }
    }

    /// Decodes one object and calls `on_event` for every event in it, in order. The bytes
    /// are left as they are (parsing works on a copy in the decoder's own buffer), so the
    /// caller can decode them again.
    ///
    /// An object that does not parse as a whole is salvaged record by record (see
    /// [`salvage`]); it is then read in part, with what was lost in
    /// [`Decoded::partial_error`].
    pub fn decode<F>(&mut self, raw: &[u8], mut on_event: F) -> Result<Decoded, DecodeError>
    where
        F: FnMut(&Event<'_, '_>),
    {
        let compressed_bytes = raw.len() as u64;
        if raw.is_empty() {
            return Err(DecodeError::Empty);
        }
        let gzip = raw.starts_with(&GZIP_MAGIC);
        let mut buf = std::mem::take(&mut self.inflated);
        let result = self.decode_in(raw, gzip, &mut buf, &mut on_event);
        // Keep small buffers for the next object; give large ones back.
        buf.clear();
        if buf.capacity() <= RETAIN {
            self.inflated = buf;
        }
        let (len, (shape, records, invalid_records, partial_error)) = result?;
        if len > RETAIN {
            self.buffers = Buffers::with_max_depth(1 << 16, self.limits.max_depth);
            self.tape = Some(Tape::null().reset());
        }
        Ok(Decoded {
            compressed_bytes,
            uncompressed_bytes: len as u64,
            gzip,
            shape,
            records,
            invalid_records,
            partial_error,
            sha256: self.last_sha256.take(),
        })
    }

    fn decode_in<F>(
        &mut self,
        raw: &[u8],
        gzip: bool,
        buf: &mut Vec<u8>,
        on_event: &mut F,
    ) -> Result<(usize, Parsed), DecodeError>
    where
        F: FnMut(&Event<'_, '_>),
    {
        let (_reservation, damage) = self.fill(raw, gzip, buf)?;
        let len = buf.len();
        self.last_sha256 = (self.hash && damage.is_none()).then(|| {
            use sha2::Digest as _;
            sha2::Sha256::digest(&buf[..len]).into()
        });
        let depth = self.limits.max_depth;
        if let Some(damage) = damage {
            // A damaged gzip stream: what came before the damage, record by record.
            let s = salvage::salvage(&buf[..len], &mut self.buffers, on_event);
            if s.records == 0 {
                return Err(DecodeError::Gzip(damage));
            }
            let cause = DecodeError::Gzip(damage);
            return Ok((len, salvaged_result(s, Some(cause))));
        }
        buf.resize(len + simd_json::INPUT_PADDING, 0);
        let tape = self.tape.take().unwrap_or_else(|| Tape::null().reset());
        let mut tape = tape.reset();
        let result = parse_buffer(
            &mut buf[..],
            len,
            &mut self.buffers,
            &mut tape,
            depth,
            on_event,
        );
        self.tape = Some(tape.reset());
        let msg = match result {
            Err(DecodeError::Json(msg)) => msg,
            other => return other.map(|r| (len, r)),
        };
        // Parsing unescapes strings in place, so a second attempt needs fresh bytes. Several
        // whole documents back to back (a gzip of several members, each a complete file) are
        // read value by value; anything else is salvaged record by record.
        self.refill(raw, gzip, buf)?;
        let len2 = buf.len();
        if let Some(ends) = split_values(&buf[..len2]).filter(|e| e.len() > 1) {
            buf.resize(len2 + simd_json::INPUT_PADDING, 0);
            if let Ok(r) = parse_values(&mut buf[..], &ends, &mut self.buffers, depth, on_event) {
                return Ok((len, r));
            }
            self.refill(raw, gzip, buf)?;
        }
        let s = salvage::salvage(&buf[..buf.len()], &mut self.buffers, on_event);
        if s.records == 0 {
            return Err(DecodeError::Json(msg));
        }
        Ok((len, salvaged_result(s, Some(DecodeError::Json(msg)))))
    }
}

/// The result of a salvaged object: a failure beside the records only when something was
/// lost or invalid bytes were repaired; valid JSON with unusual values is read in full.
fn salvaged_result(s: Salvaged, cause: Option<DecodeError>) -> Parsed {
    let shape = if s.records_array {
        Shape::Records
    } else {
        Shape::Array
    };
    // Valid JSON that the fast parser refused only for its values (every record read, some
    // after a repair of numbers or surrogates) is read in full; anything else is damage.
    let damaged = s.lost > 0 || s.repaired_invalid > 0 || s.truncated || s.repaired == 0;
    // A damaged gzip stream is always a failure beside the records.
    let partial = cause
        .filter(|c| damaged || matches!(c, DecodeError::Gzip(_)))
        .map(|c| DecodeError::Salvaged {
            code: c.code(),
            cause: match &c {
                DecodeError::Gzip(e) => e.to_string(),
                c => c.to_string(),
            },
            kept: s.records,
            lost: s.lost,
            repaired: s.repaired_invalid,
        });
    (shape, s.records, s.invalid, partial)
}

/// What parsing gave: the shape, records handed on, invalid records, and a problem that still
/// let part of the object be read.
type Parsed = (Shape, u64, u64, Option<DecodeError>);
type ParseResult = Result<Parsed, DecodeError>;

fn json_err(e: simd_json::Error, depth: usize) -> DecodeError {
    if matches!(e.error(), simd_json::ErrorType::DepthLimitExceeded) {
        DecodeError::TooDeep(depth)
    } else {
        DecodeError::Json(e.to_string())
    }
}

fn first_significant(b: &[u8]) -> Option<usize> {
    let start = if b.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    b[start..]
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .map(|i| i + start)
}

/// Whether a buffer starting with `{` holds JSON Lines: the first line is a whole object and
/// another object line follows.
fn is_json_lines(b: &[u8], start: usize) -> bool {
    let Some(nl) = memchr::memchr(b'\n', &b[start..]).map(|i| i + start) else {
        return false;
    };
    let first = b[start..nl].trim_ascii();
    if !(first.starts_with(b"{") && first.ends_with(b"}")) || first.len() < 2 {
        return false;
    }
    b[nl..].trim_ascii_start().starts_with(b"{")
}

fn parse_buffer<'a, F>(
    buf: &'a mut [u8],
    len: usize,
    buffers: &mut Buffers,
    tape: &mut Tape<'a>,
    depth: usize,
    on_event: &mut F,
) -> ParseResult
where
    F: FnMut(&Event<'_, '_>),
{
    if buf[..len].starts_with(&[0xEF, 0xBB, 0xBF]) {
        // A UTF-8 byte order mark: JSON allows whitespace there, so blank it in place.
        buf[..3].fill(b' ');
    }
    let Some(start) = first_significant(&buf[..len]) else {
        return Err(DecodeError::Empty);
    };
    // JSON Lines: the first line is a whole object and another follows, or (first line
    // broken) several lines start with a compact object. A SIMD substring search, cheap next
    // to parsing.
    if buf[start] == b'{'
        && (is_json_lines(&buf[..len], start)
            || (!buf[start..len].starts_with(b"{\"Records\"")
                && compact_object_lines(&buf[..len]) >= 2))
    {
        return parse_lines(buf, len, buffers, depth, on_event);
    }
    simd_json::fill_tape_padded(buf, len, buffers, tape).map_err(|e| json_err(e, depth))?;
    let (shape, records, invalid) = walk_root(tape.as_value(), on_event)?;
    Ok((shape, records, invalid, None))
}

/// Hands the events of one parsed document to `on_event`: `Records`, a bare array or a single
/// event.
fn walk_root<F>(
    root: simd_json::tape::Value<'_, '_>,
    on_event: &mut F,
) -> Result<(Shape, u64, u64), DecodeError>
where
    F: FnMut(&Event<'_, '_>),
{
    let mut records = 0u64;
    let mut invalid = 0u64;
    let mut each = |v| match Event::from_value(v) {
        Some(e) => {
            records += 1;
            on_event(&e);
        }
        None => invalid += 1,
    };
    let shape = if let Some(obj) = root.as_object() {
        match obj.get("Records") {
            Some(r) => {
                let arr = r.as_array().ok_or(DecodeError::RecordsNotArray)?;
                arr.iter().for_each(&mut each);
                Shape::Records
            }
            None => {
                let e = Event::from_value(root).ok_or(DecodeError::NoRecords)?;
                if !e.looks_like_event() {
                    return Err(DecodeError::NoRecords);
                }
                each(root);
                Shape::Single
            }
        }
    } else if let Some(arr) = root.as_array() {
        arr.iter().for_each(&mut each);
        Shape::Array
    } else {
        let kind = match root.value_type() {
            simd_json::ValueType::String => "string",
            simd_json::ValueType::Null => "null",
            simd_json::ValueType::Bool => "boolean",
            _ => "number",
        };
        return Err(DecodeError::NotCloudTrail(kind));
    };
    Ok((shape, records, invalid))
}

/// End offsets of the top-level JSON values in `b`, found by bracket depth outside strings;
/// `None` when the bytes do not split cleanly (unbalanced, or a scalar at top level).
fn split_values(b: &[u8]) -> Option<Vec<usize>> {
    let mut ends = Vec::new();
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    for (i, &c) in b.iter().enumerate() {
        if in_str {
            match c {
                _ if esc => esc = false,
                b'\\' => esc = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' if depth > 0 => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    ends.push(i + 1);
                }
            }
            c if depth == 0 && !c.is_ascii_whitespace() && c != 0xEF && c != 0xBB && c != 0xBF => {
                return None;
            }
            _ => {}
        }
    }
    (depth == 0 && !in_str).then_some(ends)
}

/// Lines that are compact objects as JSON Lines writes them: starting with `{"` at column 0 and
/// ending with `}` (a `Records` document with one event per line ends its lines with `},`).
fn compact_object_lines(b: &[u8]) -> usize {
    let is_object_line = |start: usize| {
        let end = memchr::memchr(b'\n', &b[start..]).map_or(b.len(), |i| start + i);
        b[start..end].trim_ascii_end().ends_with(b"}")
    };
    let mut n = usize::from(b.starts_with(b"{\"") && is_object_line(0));
    for i in memchr::memmem::find_iter(b, b"\n{\"") {
        n += usize::from(is_object_line(i + 1));
        if n >= 2 {
            break;
        }
    }
    n
}

/// Parses back-to-back documents, each ending at one of `ends`.
fn parse_values<F>(
    buf: &mut [u8],
    ends: &[usize],
    buffers: &mut Buffers,
    depth: usize,
    on_event: &mut F,
) -> ParseResult
where
    F: FnMut(&Event<'_, '_>),
{
    let (mut records, mut invalid, mut start) = (0u64, 0u64, 0usize);
    let mut tape = Tape::null().reset();
    for &end in ends {
        let mut t = tape.reset();
        // The bytes after `end` serve as simd-json's padding (the buffer is padded at its end).
        simd_json::fill_tape_padded(&mut buf[start..], end - start, buffers, &mut t)
            .map_err(|e| json_err(e, depth))?;
        let (_, r, i) = walk_root(t.as_value(), on_event)?;
        records += r;
        invalid += i;
        tape = t.reset();
        start = end;
    }
    Ok((Shape::Concatenated, records, invalid, None))
}

fn parse_lines<F>(
    buf: &mut [u8],
    len: usize,
    buffers: &mut Buffers,
    depth: usize,
    on_event: &mut F,
) -> ParseResult
where
    F: FnMut(&Event<'_, '_>),
{
    let mut records = 0u64;
    let mut invalid = 0u64;
    let mut total = 0usize;
    let mut bad = 0usize;
    let mut first_bad: Option<(usize, String)> = None;
    let mut pos = 0usize;
    let mut line_no = 0usize;
    let mut tape = Tape::null().reset();
    while pos < len {
        line_no += 1;
        let end = memchr::memchr(b'\n', &buf[pos..len]).map_or(len, |i| pos + i);
        let line = &buf[pos..end];
        let lstart = line.iter().position(|c| !c.is_ascii_whitespace());
        if let Some(ls) = lstart {
            let lend = line
                .iter()
                .rposition(|c| !c.is_ascii_whitespace())
                .unwrap_or(ls)
                + 1;
            total += 1;
            let (s, l) = (pos + ls, lend - ls);
            let mut t = tape.reset();
            match simd_json::fill_tape_padded(&mut buf[s..], l, buffers, &mut t) {
                Ok(()) => match walk_root(t.as_value(), on_event) {
                    Ok((_, r, i)) => {
                        records += r;
                        invalid += i;
                    }
                    Err(_) => invalid += 1,
                },
                Err(e) => {
                    bad += 1;
                    if first_bad.is_none() {
                        first_bad = Some((line_no, json_err(e, depth).to_string()));
                    }
                }
            }
            tape = t.reset();
        }
        pos = end + 1;
    }
    let partial = first_bad.map(|(first_line, first_error)| DecodeError::BadLines {
        bad,
        total,
        first_line,
        first_error,
    });
    if records == 0
        && let Some(p) = partial
    {
        return Err(p);
    }
    Ok((Shape::Lines, records, invalid, partial))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(b: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b).unwrap();
        e.finish().unwrap()
    }

    fn names(raw: Vec<u8>) -> Result<(Vec<String>, Decoded), DecodeError> {
        let mut d = Decoder::new(Limits::default());
        let mut v = Vec::new();
        let r = d.decode(&raw, |e| v.push(e.event_name.unwrap_or("-").to_string()))?;
        Ok((v, r))
    }

    const EV: &str = r#"{"eventTime":"2024-05-01T00:00:00Z","eventName":"A","eventID":"1"}"#;

    #[test]
    fn recognises_shapes_by_content() {
        let doc = format!(r#"{{"Records":[{EV},{EV}]}}"#);
        let (v, r) = names(doc.clone().into_bytes()).unwrap();
        assert_eq!((v.len(), r.shape, r.gzip), (2, Shape::Records, false));
        let (v, r) = names(gz(doc.as_bytes())).unwrap();
        assert_eq!((v.len(), r.shape, r.gzip), (2, Shape::Records, true));
        assert_eq!(r.uncompressed_bytes, doc.len() as u64);
        let (v, r) = names(format!("[{EV},\n {EV}, {EV}]").into_bytes()).unwrap();
        assert_eq!((v.len(), r.shape), (3, Shape::Array));
        let (v, r) = names(format!("{EV}\n{EV}\n\n{EV}\n").into_bytes()).unwrap();
        assert_eq!((v.len(), r.shape), (3, Shape::Lines));
        let (v, r) = names(EV.as_bytes().to_vec()).unwrap();
        assert_eq!((v.len(), r.shape), (1, Shape::Single));
        // Pretty-printed Records document is not mistaken for JSON Lines.
        let pretty = format!("{{\n  \"Records\": [\n    {EV}\n  ]\n}}\n");
        assert_eq!(names(pretty.into_bytes()).unwrap().1.shape, Shape::Records);
        // Two gzip members concatenated.
        let mut two = gz(format!(r#"{{"Records":[{EV}"#).as_bytes());
        two.extend(gz(format!(",{EV}]}}").as_bytes()));
        assert_eq!(names(two).unwrap().0.len(), 2);
    }

    #[test]
    fn refuses_bad_input_with_reasons() {
        assert!(matches!(names(vec![]), Err(DecodeError::Empty)));
        assert!(matches!(names(b"  \n ".to_vec()), Err(DecodeError::Empty)));
        let full = gz(format!(r#"{{"Records":[{EV}]}}"#).as_bytes());
        assert!(matches!(
            names(full[..full.len() / 2].to_vec()),
            Err(DecodeError::Gzip(_))
        ));
        assert!(matches!(
            names(b"not json".to_vec()),
            Err(DecodeError::Json(_))
        ));
        assert!(matches!(
            names(br#"{"Records":[{"a":1}"#.to_vec()),
            Err(DecodeError::Json(_))
        ));
        assert!(matches!(
            names(br#"{"foo":1}"#.to_vec()),
            Err(DecodeError::NoRecords)
        ));
        assert!(matches!(
            names(br#"{"Records":{"a":1}}"#.to_vec()),
            Err(DecodeError::RecordsNotArray)
        ));
        assert!(matches!(
            names(b"42".to_vec()),
            Err(DecodeError::NotCloudTrail("number"))
        ));
        let deep = format!(r#"{{"Records":[{}{}]}}"#, "[".repeat(500), "]".repeat(500));
        assert!(matches!(
            names(deep.into_bytes()),
            Err(DecodeError::TooDeep(_))
        ));
    }

    #[test]
    fn refuses_gzip_bombs_without_allocating_them() {
        let zeros = vec![b' '; 8 << 20];
        let bomb = gz(&zeros);
        assert!(bomb.len() < 100_000);
        let mut d = Decoder::new(Limits {
            max_decompressed: 1 << 20,
            max_depth: 64,
        });
        assert!(matches!(
            d.decode(&bomb, |_| {}),
            Err(DecodeError::TooLarge { limit }) if limit == 1 << 20
        ));
    }

    #[test]
    fn json_lines_keep_good_lines() {
        let text = format!("{EV}\n{{broken\n{EV}\n");
        let (v, r) = names(text.into_bytes()).unwrap();
        assert_eq!(v.len(), 2);
        match r.partial_error {
            Some(DecodeError::BadLines {
                bad: 1,
                total: 3,
                first_line: 2,
                ..
            }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decoder_reuses_buffers_across_objects() {
        let mut d = Decoder::new(Limits::default());
        for i in 0..3 {
            let doc = format!(r#"{{"Records":[{EV}]}}"#);
            let raw = if i % 2 == 0 {
                gz(doc.as_bytes())
            } else {
                doc.into_bytes()
            };
            let mut n = 0;
            d.decode(&raw, |_| n += 1).unwrap();
            assert_eq!(n, 1);
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let mut d = Decoder::new(Limits { max_decompressed: 1 << 16, max_depth: 32 });
            let _ = d.decode(&bytes, |_| {});
            let _ = d.decode(&gz(&bytes), |_| {});
        }

        #[test]
        fn every_record_of_a_generated_document_is_seen(n in 0usize..50, gzip in proptest::bool::ANY) {
            let recs: Vec<String> = (0..n).map(|i| format!(
                r#"{{"eventTime":"2024-05-01T00:00:00Z","eventName":"E{i}","eventID":"{i}","requestParameters":{{"k":"v\"{i}"}}}}"#
            )).collect();
            let doc = format!(r#"{{"Records":[{}]}}"#, recs.join(","));
            let raw = if gzip { gz(doc.as_bytes()) } else { doc.into_bytes() };
            let (v, _) = names(raw).unwrap();
            proptest::prop_assert_eq!(v, (0..n).map(|i| format!("E{i}")).collect::<Vec<_>>());
        }
    }
}
