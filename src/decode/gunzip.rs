//! gunzip with a hard cap: the output buffer never grows past the cap (plus padding), so a
//! gzip bomb costs at most the cap, never the doubling of a `read_to_end`.

use crate::error::DecodeError;
use std::io::Read;

/// The smallest growth of the buffer when a stream turns out larger than its trailer said.
const CHUNK: usize = 256 << 10;

/// The size the gzip trailer of the last member states (ISIZE, the size modulo 2^32): exact for
/// the single-member objects CloudTrail writes, a hint to be checked for anything else.
pub fn trailer_size(raw: &[u8]) -> Option<u64> {
    if raw.len() < 18 {
        return None;
    }
    let t = &raw[raw.len() - 4..];
    Some(u64::from(u32::from_le_bytes([t[0], t[1], t[2], t[3]])))
}

/// Inflates every gzip member of `raw` into `out`, refusing more than `limit` bytes.
pub fn gunzip_capped(raw: &[u8], limit: u64, out: &mut Vec<u8>) -> Result<(), DecodeError> {
    match gunzip_prefix(raw, limit, out)? {
        None => Ok(()),
        Some(e) => Err(DecodeError::Gzip(e)),
    }
}

/// Like [`gunzip_capped`], but a corrupt or truncated stream is not an error here: `out` then
/// holds everything inflated before the damage and the error is returned beside it, for the
/// salvage of whole records. Exceeding `limit` is always an error, and `out` is then empty.
#[allow(clippy::disallowed_types)] // the one place a gzip decoder is allowed: it is capped
pub fn gunzip_prefix(
    raw: &[u8],
    limit: u64,
    out: &mut Vec<u8>,
) -> Result<Option<std::io::Error>, DecodeError> {
    out.clear();
    let pad = simd_json::INPUT_PADDING;
    let limit_len = usize::try_from(limit).unwrap_or(usize::MAX - pad - 1);
    // One byte past the limit proves the object too large; the padding is for the parser.
    let max_cap = limit_len.saturating_add(1 + pad);
    // Honest single-member objects state their size: allocate it once.
    if let Some(hint) = trailer_size(raw) {
        let hint = usize::try_from(hint).unwrap_or(usize::MAX).min(limit_len);
        out.reserve_exact(hint.saturating_add(1 + pad));
    }
    let mut dec = flate2::read::MultiGzDecoder::new(raw);
    let result = loop {
        if out.len() > limit_len {
            break Err(DecodeError::TooLarge { limit });
        }
        if out.capacity() - out.len() < pad + 1 {
            // Double, by at least a chunk, never past the cap. `len <= limit` here, so the
            // target leaves room for at least one byte beyond the padding.
            let target = (out.capacity() * 2)
                .max(out.len() + CHUNK)
                .min(max_cap)
                .max(out.len() + pad + 1);
            out.reserve_exact(target - out.len());
        }
        // Fill the spare capacity (less the parser's padding) and no more: `read_to_end` on a
        // `Take` of exactly that size writes into the uninitialised tail without zeroing it and
        // never grows the buffer itself.
        let room = out.capacity() - out.len() - pad;
        match (&mut dec).take(room as u64).read_to_end(out) {
            Ok(n) if n < room => break Ok(None),
            Ok(_) => {}
            // Whatever was inflated before the damage is already in `out`.
            Err(e) => break Ok(Some(e)),
        }
    };
    if result.is_err() {
        out.clear();
        out.shrink_to(CHUNK);
    }
    result
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

    #[test]
    fn the_buffer_never_grows_past_the_cap() {
        let bomb = gz(&vec![0u8; 64 << 20]);
        let mut out = Vec::new();
        let limit = 3 << 20;
        assert!(matches!(
            gunzip_capped(&bomb, limit, &mut out),
            Err(DecodeError::TooLarge { .. })
        ));
        assert!(out.capacity() <= CHUNK.max(limit as usize + 1 + simd_json::INPUT_PADDING));
        // A bomb whose trailer lies (claims 10 bytes) is refused the same way.
        let mut liar = bomb.clone();
        let n = liar.len();
        liar[n - 4..].copy_from_slice(&10u32.to_le_bytes());
        assert!(gunzip_capped(&liar, limit, &mut out).is_err());
    }

    #[test]
    fn exact_sizes_allocate_once_and_members_concatenate() {
        let data = b"hello world".repeat(10_000);
        let mut out = Vec::new();
        gunzip_capped(&gz(&data), 1 << 20, &mut out).unwrap();
        assert_eq!(out, data);
        assert!(out.capacity() <= data.len() + 1 + simd_json::INPUT_PADDING);
        let mut two = gz(b"abc");
        two.extend(gz(b"def"));
        gunzip_capped(&two, 100, &mut out).unwrap();
        assert_eq!(out, b"abcdef");
    }

    #[test]
    fn a_damaged_member_keeps_what_came_before() {
        let mut two = gz(b"first member");
        let mut second = gz(b"second member");
        let n = second.len();
        second[10..n - 8].fill(0xff);
        two.extend(second);
        let mut out = Vec::new();
        let err = gunzip_prefix(&two, 1 << 20, &mut out).unwrap();
        assert!(err.is_some());
        assert!(out.starts_with(b"first member"));
        assert!(gunzip_capped(&two, 1 << 20, &mut out).is_err());
    }
}
