//! gunzip with a hard cap: the output buffer never grows past the cap (plus padding), so a
//! gzip bomb costs at most the cap, never the doubling of a `read_to_end`.
//!
//! Two decoders. CloudTrail objects are single gzip members of a few MB whose trailer states
//! their size, so the fast path ([`inflate_whole`]) allocates that size once (checked against
//! the cap first) and inflates the whole object in one call with libdeflate, which checks each
//! member's CRC-32 and size itself. Whenever it cannot finish (no trailer, a trailer that lies
//! or exceeds the cap, damage, garbage after a member), the object is inflated again by the
//! capped streaming decoder (flate2 on zlib-rs), which keeps what came before damage for the
//! salvage and refuses anything past the cap.

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
pub fn gunzip_prefix(
    raw: &[u8],
    limit: u64,
    out: &mut Vec<u8>,
) -> Result<Option<std::io::Error>, DecodeError> {
    if inflate_whole(raw, limit, out) {
        return Ok(None);
    }
    gunzip_stream(raw, limit, out)
}

/// The fast path: every member of `raw` inflated whole into `out`, never past `limit` bytes.
/// The buffer is first sized to what the last trailer states (refused above `limit`); the
/// members of a multi-member object that turn out larger in all grow it by doubling, within
/// `limit`. `false` (and `out` empty) when it cannot finish; the caller then uses the
/// streaming decoder, which tells damage from a lie and keeps what came before damage.
pub fn inflate_whole(raw: &[u8], limit: u64, out: &mut Vec<u8>) -> bool {
    out.clear();
    let Some(stated) = trailer_size(raw).filter(|&s| s <= limit) else {
        return false;
    };
    let (Ok(stated), Ok(limit)) = (usize::try_from(stated), usize::try_from(limit)) else {
        return false;
    };
    let before = out.capacity();
    let done = libdeflate::with(|d| d.gunzip_members(raw, stated, limit, out));
    if !done {
        out.clear();
        // Leave the buffer as the streaming decoder expects it (its reads, and so the prefix
        // it keeps of a damaged stream, follow the room it is given): a failed multi-member
        // growth is given back.
        out.shrink_to(before.max(stated.saturating_add(1 + simd_json::INPUT_PADDING)));
    }
    done
}

/// The streaming decoder alone (what [`gunzip_prefix`] falls back to).
#[allow(clippy::disallowed_types)] // the one place a gzip decoder is allowed: it is capped
pub fn gunzip_stream(
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
            // The end, unless it came one byte past the limit (that byte is what the room
            // past the limit is for).
            Ok(n) if n < room && out.len() <= limit_len => break Ok(None),
            Ok(n) if n < room => break Err(DecodeError::TooLarge { limit }),
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

/// libdeflate's gzip decoder, one per thread (allocating one costs a few KB and a page fault or
/// two; objects are many).
mod libdeflate {
    use libdeflate_sys::{
        libdeflate_alloc_decompressor, libdeflate_decompressor, libdeflate_free_decompressor,
        libdeflate_gzip_decompress_ex, libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE,
        libdeflate_result_LIBDEFLATE_SUCCESS,
    };
    use std::cell::RefCell;
    use std::ptr::NonNull;

    pub(super) struct Inflater(NonNull<libdeflate_decompressor>);

    impl Drop for Inflater {
        fn drop(&mut self) {
            // SAFETY: the pointer came from `libdeflate_alloc_decompressor` and is freed once.
            unsafe { libdeflate_free_decompressor(self.0.as_ptr()) }
        }
    }

    impl Inflater {
        fn new() -> Option<Self> {
            // SAFETY: no arguments; a null return (out of memory) is handled.
            NonNull::new(unsafe { libdeflate_alloc_decompressor() }).map(Inflater)
        }

        /// Inflates the members of `raw` one after another onto `out` (empty), in a buffer
        /// of `first` bytes grown by doubling up to `limit` when the members need more, never
        /// writing past `limit` bytes in all (the buffer keeps room for the parser's padding).
        /// `false` on any failure: bad data, a CRC or size mismatch, garbage after a member,
        /// or more output than `limit`.
        pub(super) fn gunzip_members(
            &mut self,
            raw: &[u8],
            first: usize,
            limit: usize,
            out: &mut Vec<u8>,
        ) -> bool {
            debug_assert!(out.is_empty() && first <= limit);
            let pad = 1 + simd_json::INPUT_PADDING;
            let mut size = first;
            out.reserve_exact(size.saturating_add(pad));
            let mut pos = 0usize;
            while pos < raw.len() {
                let room = size - out.len();
                let input = &raw[pos..];
                let spare = out.spare_capacity_mut();
                if spare.len() < room {
                    return false;
                }
                let (mut used_in, mut written) = (0usize, 0usize);
                // SAFETY: the decompressor is ours and used by one thread; `input` is valid for
                // its length; libdeflate writes at most `room` bytes into `spare`, which holds
                // at least that many, and reports how many it read and wrote.
                let r = unsafe {
                    libdeflate_gzip_decompress_ex(
                        self.0.as_ptr(),
                        input.as_ptr().cast(),
                        input.len(),
                        spare.as_mut_ptr().cast(),
                        room,
                        &mut used_in,
                        &mut written,
                    )
                };
                if r == libdeflate_result_LIBDEFLATE_INSUFFICIENT_SPACE && size < limit {
                    // A later member of a multi-member object: more room, and the member again.
                    size = size.saturating_mul(2).max(size + (256 << 10)).min(limit);
                    out.reserve_exact(size.saturating_add(pad) - out.len());
                    continue;
                }
                if r != libdeflate_result_LIBDEFLATE_SUCCESS
                    || used_in == 0
                    || used_in > input.len()
                    || written > room
                {
                    return false;
                }
                // SAFETY: libdeflate initialised the first `written` bytes of the spare room.
                unsafe { out.set_len(out.len() + written) };
                pos += used_in;
            }
            true
        }
    }

    thread_local! {
        static INFLATER: RefCell<Option<Inflater>> = const { RefCell::new(None) };
    }

    /// Runs `f` with this thread's decoder; `false` when none can be had.
    pub(super) fn with(f: impl FnOnce(&mut Inflater) -> bool) -> bool {
        INFLATER.with(|cell| {
            let Ok(mut slot) = cell.try_borrow_mut() else {
                return false;
            };
            if slot.is_none() {
                *slot = Inflater::new();
            }
            slot.as_mut().is_some_and(f)
        })
    }
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

    #[test]
    fn the_fast_path_takes_honest_objects_and_refuses_the_rest() {
        let data = b"{\"Records\":[]} ".repeat(50_000);
        let one = gz(&data);
        let mut out = Vec::new();
        assert!(inflate_whole(&one, 1 << 30, &mut out));
        assert_eq!(out, data);
        // Members concatenate on the fast path too, growing the buffer within the limit.
        let mut two = gz(b"abc");
        two.extend(gz(b"defgh"));
        assert!(inflate_whole(&two, 100, &mut out));
        assert_eq!(out, b"abcdefgh");
        let mut big_first = gz(&data);
        big_first.extend(gz(b"x"));
        assert!(inflate_whole(&big_first, 1 << 30, &mut out));
        assert_eq!(out.len(), data.len() + 1);
        // ... but never past it: members larger in all than the limit are refused (the
        // streaming decoder then says so).
        let mut fresh = Vec::new();
        assert!(!inflate_whole(&big_first, data.len() as u64, &mut fresh));
        assert!(fresh.capacity() <= data.len() + 1 + simd_json::INPUT_PADDING);
        // (The streaming decoder used to accept exactly one byte past its limit when the
        // stream ended there.)
        let r = gunzip_capped(&big_first, data.len() as u64, &mut out);
        assert!(
            matches!(r, Err(DecodeError::TooLarge { .. })),
            "{r:?} {}",
            out.len()
        );

        // A trailer above the cap is never allocated.
        assert!(!inflate_whole(&one, 1000, &mut out));
        assert!(out.capacity() < data.len());
        // A wrong CRC: refused by both decoders.
        let mut bad_crc = one.clone();
        let n = bad_crc.len();
        bad_crc[n - 8] ^= 1;
        assert!(!inflate_whole(&bad_crc, 1 << 30, &mut out));
        assert!(gunzip_capped(&bad_crc, 1 << 30, &mut out).is_err());
        // Truncated: the fast path refuses, the streaming one keeps the prefix.
        let cut = &one[..one.len() / 2];
        assert!(!inflate_whole(cut, 1 << 30, &mut out));
        let damage = gunzip_prefix(cut, 1 << 30, &mut out).unwrap();
        assert!(damage.is_some() && !out.is_empty() && data.starts_with(&out));
        // Garbage after a whole member: the streaming decoder decides, as before.
        let mut tail = gz(b"abc");
        tail.extend_from_slice(&[0u8; 32]);
        assert!(!inflate_whole(&tail, 1 << 20, &mut out));
    }

    proptest::proptest! {
        #[test]
        fn both_decoders_agree(chunks in proptest::collection::vec(
            proptest::collection::vec(proptest::num::u8::ANY, 0..2000), 1..4),
            flip in proptest::option::of((0usize..4000, 0u8..8)),
            limit in 0u64..10_000) {
            let mut raw = Vec::new();
            for c in &chunks {
                raw.extend(gz(c));
            }
            if let Some((at, bit)) = flip {
                let at = at % raw.len();
                raw[at] ^= 1 << bit;
            }
            let mut fast = Vec::new();
            let mut slow = Vec::new();
            let ok_fast = inflate_whole(&raw, limit, &mut fast);
            let slow_r = gunzip_stream(&raw, limit, &mut slow);
            if ok_fast {
                // Whatever the fast path accepts, the streaming one reads to the same bytes.
                proptest::prop_assert!(matches!(slow_r, Ok(None)));
                proptest::prop_assert_eq!(&fast, &slow);
                proptest::prop_assert!(fast.len() as u64 <= limit);
            }
            let mut both = Vec::new();
            let r = gunzip_prefix(&raw, limit, &mut both);
            proptest::prop_assert_eq!(r.is_ok(), slow_r.is_ok());
            if let (Ok(a), Ok(b)) = (&r, &slow_r) {
                proptest::prop_assert_eq!(a.is_some(), b.is_some());
                proptest::prop_assert_eq!(&both, &slow);
            }
        }
    }
}
