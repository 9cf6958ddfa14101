//! Event IDs: CloudTrail's `eventID` is a UUID, kept as a 128-bit number where it is one (no
//! allocation per event), else as text.

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// A UUID (`8-4-4-4-12` hex digits) as a number; `lower_only` refuses upper-case digits, so the
/// number renders back to the same text with [`format_uuid`].
pub fn parse_uuid(id: &str, lower_only: bool) -> Option<u128> {
    let b = id.as_bytes();
    if b.len() != 36 || b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    let mut v: u128 = 0;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            continue;
        }
        if lower_only && c.is_ascii_uppercase() {
            return None;
        }
        v = (v << 4) | hex(c)? as u128;
    }
    Some(v)
}

/// Renders a number as a lower-case UUID.
pub fn format_uuid(v: u128) -> String {
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// An event ID kept as evidence: a lower-case UUID as a number (no allocation), else the text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventId {
    /// A lower-case UUID.
    Uuid(u128),
    /// Anything else.
    Text(Box<str>),
}

impl EventId {
    /// Keeps an ID.
    pub fn new(s: &str) -> Self {
        match parse_uuid(s, true) {
            Some(v) => EventId::Uuid(v),
            None => EventId::Text(s.into()),
        }
    }
}

impl std::fmt::Display for EventId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventId::Uuid(v) => f.write_str(&format_uuid(*v)),
            EventId::Text(t) => f.write_str(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_round_trip() {
        let id = "293ba626-3be5-4a26-ab1b-0f4c54f49959";
        assert_eq!(format_uuid(parse_uuid(id, true).unwrap()), id);
        assert_eq!(
            parse_uuid("293BA626-3BE5-4A26-AB1B-0F4C54F49959", true),
            None
        );
        assert_eq!(parse_uuid("not-a-uuid", false), None);
    }
}
