//! Deterministic PRNG, time formatting and small string writers used on the hot path.

/// splitmix64: tiny, fast, and good enough for synthetic data. Never seeded from the clock.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x6a09_e667_f3bc_c908)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `per_10k / 10_000`.
    pub fn chance(&mut self, per_10k: u64) -> bool {
        self.below(10_000) < per_10k
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn pick_str<'a, S: AsRef<str>>(&mut self, items: &'a [S]) -> &'a str {
        self.pick(items).as_ref()
    }
}

/// Stateless mixing of two values into a child seed (for per-file / per-event streams).
pub fn mix(a: u64, b: u64) -> u64 {
    let mut r = Rng::new(a ^ b.wrapping_mul(0xd6e8_feb8_6659_fd93));
    r.next_u64()
}

/// Picks an index from a cumulative weight table (last element = total).
pub fn pick_cum(rng: &mut Rng, cum: &[u32]) -> usize {
    let total = *cum.last().expect("non-empty weight table");
    let x = rng.below(u64::from(total)) as u32;
    cum.partition_point(|&c| c <= x)
}

const HEX: &[u8; 16] = b"0123456789abcdef";
const HEX_UP: &[u8; 16] = b"0123456789ABCDEF";
const ALNUM: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn push_from(out: &mut String, rng: &mut Rng, alphabet: &[u8], n: usize) {
    let mut bits = rng.next_u64();
    let mut left = 10;
    for _ in 0..n {
        if left == 0 {
            bits = rng.next_u64();
            left = 10;
        }
        out.push(alphabet[(bits & 63) as usize % alphabet.len()] as char);
        bits >>= 6;
        left -= 1;
    }
}

pub fn push_hex(out: &mut String, rng: &mut Rng, n: usize) {
    push_from(out, rng, HEX, n)
}
pub fn push_hex_upper(out: &mut String, rng: &mut Rng, n: usize) {
    push_from(out, rng, HEX_UP, n)
}
pub fn push_alnum(out: &mut String, rng: &mut Rng, n: usize) {
    // 62 does not divide 64: the slight bias is irrelevant here.
    push_from(out, rng, ALNUM, n)
}
pub fn push_b32(out: &mut String, rng: &mut Rng, n: usize) {
    push_from(out, rng, B32, n)
}
pub fn push_b64(out: &mut String, rng: &mut Rng, n: usize) {
    push_from(out, rng, B64, n)
}

/// UUID version 4 text form (8-4-4-4-12, lowercase).
pub fn push_uuid(out: &mut String, rng: &mut Rng) {
    let a = rng.next_u64();
    let b = rng.next_u64();
    let hex = |out: &mut String, v: u64, nibbles: u32| {
        for i in (0..nibbles).rev() {
            out.push(HEX[((v >> (i * 4)) & 15) as usize] as char);
        }
    };
    hex(out, a >> 32, 8);
    out.push('-');
    hex(out, (a >> 16) & 0xffff, 4);
    out.push('-');
    hex(out, 0x4000 | (a & 0x0fff), 4);
    out.push('-');
    hex(out, 0x8000 | ((b >> 48) & 0x3fff), 4);
    out.push('-');
    hex(out, b & 0xffff_ffff_ffff, 12);
}

pub fn uuid(rng: &mut Rng) -> String {
    let mut s = String::with_capacity(36);
    push_uuid(&mut s, rng);
    s
}

pub fn rand_str(
    rng: &mut Rng,
    f: fn(&mut String, &mut Rng, usize),
    prefix: &str,
    n: usize,
) -> String {
    let mut s = String::from(prefix);
    f(&mut s, rng, n);
    s
}

pub fn push_u64(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &c in &buf[i..] {
        out.push(c as char);
    }
}

fn push_2(out: &mut String, v: u32) {
    out.push((b'0' + (v / 10) as u8) as char);
    out.push((b'0' + (v % 10) as u8) as char);
}

/// Days since 1970-01-01 -> (year, month, day). (H. Hinnant's algorithm.)
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

pub struct Hms {
    pub y: i64,
    pub mo: u32,
    pub d: u32,
    pub h: u32,
    pub mi: u32,
    pub s: u32,
}

pub fn split_time(t: i64) -> Hms {
    let (y, mo, d) = civil_from_days(t.div_euclid(86_400));
    let sod = t.rem_euclid(86_400) as u32;
    Hms {
        y,
        mo,
        d,
        h: sod / 3600,
        mi: sod / 60 % 60,
        s: sod % 60,
    }
}

/// `2024-01-01T12:34:56Z`
pub fn push_time(out: &mut String, t: i64) {
    let x = split_time(t);
    push_u64(out, x.y as u64);
    out.push('-');
    push_2(out, x.mo);
    out.push('-');
    push_2(out, x.d);
    out.push('T');
    push_2(out, x.h);
    out.push(':');
    push_2(out, x.mi);
    out.push(':');
    push_2(out, x.s);
    out.push('Z');
}

/// `yyyy/mm/dd` folder part.
pub fn push_date_path(out: &mut String, t: i64) {
    let x = split_time(t);
    push_u64(out, x.y as u64);
    out.push('/');
    push_2(out, x.mo);
    out.push('/');
    push_2(out, x.d);
}

/// `yyyymmddThhmm` (log file names); with `secs` also appends `ss` (digest names).
pub fn push_compact_time(out: &mut String, t: i64, secs: bool) {
    let x = split_time(t);
    push_u64(out, x.y as u64);
    push_2(out, x.mo);
    push_2(out, x.d);
    out.push('T');
    push_2(out, x.h);
    push_2(out, x.mi);
    if secs {
        push_2(out, x.s);
    }
    out.push('Z');
}

/// The odd format CloudTrail uses for STS credential expirations: `Jan 1, 2024, 1:00:00 AM`.
pub fn push_sts_expiration(out: &mut String, t: i64) {
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let x = split_time(t);
    out.push_str(MON[(x.mo - 1) as usize]);
    out.push(' ');
    push_u64(out, u64::from(x.d));
    out.push_str(", ");
    push_u64(out, x.y as u64);
    out.push_str(", ");
    let h12 = match x.h % 12 {
        0 => 12,
        h => h,
    };
    push_u64(out, u64::from(h12));
    out.push(':');
    push_2(out, x.mi);
    out.push(':');
    push_2(out, x.s);
    out.push_str(if x.h < 12 { " AM" } else { " PM" });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_formats() {
        let mut s = String::new();
        push_time(&mut s, 1_704_067_200 + 3_723); // 2024-01-01T01:02:03Z
        assert_eq!(s, "2024-01-01T01:02:03Z");
        s.clear();
        push_sts_expiration(&mut s, 1_709_164_800 + 13 * 3600); // 2024-02-29 13:00
        assert_eq!(s, "Feb 29, 2024, 1:00:00 PM");
        s.clear();
        push_uuid(&mut s, &mut Rng::new(1));
        assert_eq!(s.len(), 36);
        assert_eq!(&s[14..15], "4");
    }
}
