//! Event IDs: CloudTrail's `eventID` is a UUID, kept as a 128-bit number where it is one (no
//! allocation per event), else as text.

/// The value of each byte as a hex digit; `0x10` (upper case) is added for `A`-`F` and `0xff`
/// marks a byte that is not a digit, so one OR over a UUID's digits tells both.
const HEX: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 0x10 | (10 + i as u8);
        i += 1;
    }
    t
};

/// A UUID (`8-4-4-4-12` hex digits) as a number; `lower_only` refuses upper-case digits, so the
/// number renders back to the same text with [`format_uuid`]. Branch-free over the digits
/// (a table per byte): it runs once per event.
pub fn parse_uuid(id: &str, lower_only: bool) -> Option<u128> {
    let b: &[u8; 36] = id.as_bytes().try_into().ok()?;
    if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    let mut v: u128 = 0;
    let mut flags = 0u8;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            continue;
        }
        let d = HEX[c as usize];
        flags |= d;
        v = (v << 4) | u128::from(d & 0x0f);
    }
    if flags & 0x80 != 0 || (lower_only && flags & 0x10 != 0) {
        return None;
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
        let upper = "293BA626-3BE5-4A26-AB1B-0F4C54F49959";
        assert_eq!(parse_uuid(upper, false), parse_uuid(id, false));
        for bad in [
            "293ba626-3be5-4a26-ab1b-0f4c54f4995g",
            "293ba626-3be5-4a26-ab1b-0f4c54f4995 ",
            "293ba626+3be5-4a26-ab1b-0f4c54f49959",
            "293ba626-3be5-4a26-ab1b-0f4c54f4995\u{e9}",
        ] {
            assert_eq!(parse_uuid(bad, false), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn parse_agrees_with_the_standard_library(s in "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-gA-G]{12}") {
            let digits: String = s.chars().filter(|c| *c != '-').collect();
            let want = u128::from_str_radix(&digits, 16).ok();
            proptest::prop_assert_eq!(parse_uuid(&s, false), want);
            let lower = s.chars().all(|c| !c.is_ascii_uppercase());
            proptest::prop_assert_eq!(parse_uuid(&s, true), want.filter(|_| lower));
        }
    }
}
