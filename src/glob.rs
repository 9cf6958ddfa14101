//! IAM's wildcard patterns, one matcher for all: `*` matches any run of characters (including
//! none), `?` exactly one. Actions compare without regard to case, ARNs and resource names
//! with it ([`Case`]). Linear backtracking on the last `*` keeps every match at
//! O(pattern x text) in the worst case, whatever a policy author writes (`*a*a*a*a*b` against
//! a long key is a classic exponential case for recursive matchers).

/// How letters compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// `s3:GetObject` matches `S3:getobject` (IAM actions, service prefixes).
    Insensitive,
    /// ARNs and resource names.
    Sensitive,
}

/// Whether `text` matches `pattern`.
pub fn matches(pattern: &[u8], text: &[u8], case: Case) -> bool {
    run(pattern, text, case, false)
}

/// Whether `pattern` matches every text that `sub` matches (`sub` may hold wildcards too), so
/// that allowing `sub` is never wider than allowing `pattern`. Sound, and exact for the
/// patterns policies hold: a wildcard of `sub` is matched only by a `*` of `pattern` (or a
/// `?` by a `?`), never by a literal character. `arn:aws:s3:::b/*` covers `arn:aws:s3:::b/x/*`
/// but `arn:aws:s3:::b/?` does not cover `arn:aws:s3:::b/*`.
pub fn covers(pattern: &str, sub: &str, case: Case) -> bool {
    run(pattern.as_bytes(), sub.as_bytes(), case, true)
}

fn run(pattern: &[u8], text: &[u8], case: Case, text_has_wildcards: bool) -> bool {
    let wild = |b: u8| text_has_wildcards && (b == b'*' || b == b'?');
    let eq = |a: u8, b: u8| {
        !wild(b)
            && match case {
                Case::Insensitive => a.eq_ignore_ascii_case(&b),
                Case::Sensitive => a == b,
            }
    };
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() {
            match pattern[p] {
                b'*' => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                b'?' if !(text_has_wildcards && text[t] == b'*') => {
                    p += 1;
                    t += 1;
                    continue;
                }
                b'?' => {}
                c if eq(c, text[t]) => {
                    p += 1;
                    t += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, st)) => {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// [`matches`] on text.
pub fn matches_str(pattern: &str, text: &str, case: Case) -> bool {
    matches(pattern.as_bytes(), text.as_bytes(), case)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_is_inclusion_of_wildcard_patterns() {
        let s = Case::Sensitive;
        assert!(covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/*", s));
        assert!(covers("arn:aws:s3:::*", "arn:aws:s3:::b/*", s));
        assert!(covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/*", s));
        assert!(covers("arn:aws:s3:::b/?", "arn:aws:s3:::b/?", s));
        assert!(!covers("arn:aws:s3:::b/?", "arn:aws:s3:::b/*", s));
        assert!(!covers("arn:aws:s3:::b/x*", "arn:aws:s3:::b/*", s));
        assert!(!covers("arn:aws:s3:::b-a/*", "arn:aws:s3:::b-b/*", s));
        assert!(!covers("arn:aws:s3:::B/*", "arn:aws:s3:::b/*", s));
        assert!(covers(
            "arn:aws:dynamodb:*:1:table/t",
            "arn:aws:dynamodb:*:1:table/t",
            s
        ));
        assert!(!covers(
            "arn:aws:dynamodb:us-east-1:1:table/t",
            "arn:aws:dynamodb:*:1:table/t",
            s
        ));
        // Without wildcards in `sub`, covers is matches.
        assert!(covers("a*c", "abc", s) && !covers("a*c", "abd", s));
    }

    #[test]
    fn edge_cases_and_case() {
        let i = Case::Insensitive;
        assert!(matches(b"", b"", i));
        assert!(matches(b"*", b"", i));
        assert!(!matches(b"?", b"", i));
        assert!(matches(b"a*b*c", b"AxxBxxC", i));
        assert!(!matches(b"a*b*c", b"AxxBxxC", Case::Sensitive));
        assert!(!matches(b"a*b*c", b"axxbxx", i));
        assert!(matches(b"**a", b"a", i));
        assert!(matches(b"*ab", b"aab", i));
        assert!(matches_str(
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b/x/y",
            Case::Sensitive
        ));
        assert!(!matches_str(
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::B/x",
            Case::Sensitive
        ));
    }

    #[test]
    fn adversarial_patterns_stay_fast() {
        let pattern = "*a".repeat(40) + "b";
        let text = "a".repeat(20_000);
        let start = std::time::Instant::now();
        assert!(!matches_str(&pattern, &text, Case::Sensitive));
        // Quadratic at worst: well under a second even unoptimised.
        assert!(start.elapsed().as_secs() < 5);
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_a_recursive_matcher(p in "[ab*?]{0,8}", t in "[abAB]{0,10}") {
            fn go(p: &[u8], t: &[u8]) -> bool {
                match p.split_first() {
                    None => t.is_empty(),
                    Some((b'*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
                    Some((b'?', rest)) => !t.is_empty() && go(rest, &t[1..]),
                    Some((c, rest)) => t.first() == Some(c) && go(rest, &t[1..]),
                }
            }
            proptest::prop_assert_eq!(matches_str(&p, &t, Case::Sensitive), go(p.as_bytes(), t.as_bytes()));
        }
    }
}
