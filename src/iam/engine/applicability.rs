//! Which actions a statement's `Resource` or `NotResource` can apply to.
//!
//! AWS authorizes each action against the resources of the types the service authorization
//! reference lists for it, and an action that takes no resource type against `"*"`. So a
//! statement applies to an action only where some resource the action can take matches its
//! `Resource` (or escapes its `NotResource`):
//!
//! * `cloudwatch:EnableTopologyDiscovery` takes no resource: an `Allow` on
//!   `arn:aws:sns:*:111122223333:*` does not grant it; only a pattern that matches the literal
//!   `"*"` does.
//! * `iam:CreateUser` takes `arn:${Partition}:iam::${Account}:user/${UserNameWithPath}`: an
//!   `Allow` with `NotAction: [cloudformation:*, ec2:*]` on `arn:aws:cloudformation:*:*:stack/*`
//!   does not grant it, because no IAM user ARN matches that pattern.
//!
//! The ARN formats come from `iam/data/resource_types.tsv`. IAM matches an ARN pattern segment
//! by segment (partition, service, region, account, then the resource part, which may hold
//! `:`); a wildcard never spans a segment, and a pattern with fewer than six segments is padded
//! with `*` segments (the IAM user guide, "Incorrect wildcard usage"; the same in the
//! independent evaluator the tests compare with). The first five segments compare without
//! regard to case, the resource part with it. A `${Variable}` of a format stands for any run
//! within its segment. A resource type without a known format is taken to match every
//! resource, so a gap in the table never narrows a grant.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::glob::{Case, covers};
use crate::iam::catalog::{ActionId, catalog};

use super::action_set::ActionSet;

const RESOURCE_TYPES_TSV: &str = include_str!("../data/resource_types.tsv");

/// One token of a pattern or an ARN format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Lit(u8),
    /// `?`: one character.
    One,
    /// `*`, or a variable of a format: any run.
    Any,
    /// A format variable whose values hold neither `:` nor `/` ([`NAME_VARIABLES`]).
    Name,
}

/// Format variables of the resource part whose values can hold neither `/` nor `:`, by the
/// service's naming rules. Only those known for sure: any other variable may hold anything.
/// An S3 bucket name is letters, digits, `.` and `-`, so `arn:aws:s3:::b/*` names objects,
/// never a bucket, and does not grant `s3:ListBucket`.
const NAME_VARIABLES: &[&str] = &["BucketName"];

/// A policy `Resource` pattern as tokens: `*`, `?`, `${*}`/`${?}`/`${$}` as the literal
/// character, and any other policy variable (`${aws:username}`) as `*`, since its value is
/// known only at request time.
fn pattern_tokens(p: &str) -> Vec<Tok> {
    let b = p.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'$' if b.get(i + 1) == Some(&b'{') => match p[i + 2..].find('}') {
                Some(end) => {
                    let inner = &p[i + 2..i + 2 + end];
                    match inner {
                        "*" | "?" | "$" => out.push(Tok::Lit(inner.as_bytes()[0])),
                        _ => out.push(Tok::Any),
                    }
                    i += end + 3;
                    continue;
                }
                None => out.push(Tok::Lit(b'$')),
            },
            b'*' => out.push(Tok::Any),
            b'?' => out.push(Tok::One),
            c => out.push(Tok::Lit(c)),
        }
        i += 1;
    }
    out
}

/// One segment of an ARN format as tokens.
fn format_tokens(f: &str) -> Vec<Tok> {
    let b = f.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$'
            && b.get(i + 1) == Some(&b'{')
            && let Some(end) = f[i + 2..].find('}')
        {
            let var = &f[i + 2..i + 2 + end];
            out.push(if NAME_VARIABLES.contains(&var) {
                Tok::Name
            } else {
                Tok::Any
            });
            i += end + 3;
            continue;
        }
        out.push(Tok::Lit(b[i]));
        i += 1;
    }
    out
}

/// The six segments of an ARN (pattern or format): `arn`, partition, service, region,
/// account and the resource part. A shorter one whose last segment ends in `*` is padded with
/// `*` segments, since IAM lets a `*` that ends a segment run past the colons that follow.
/// `None` if it does not start with `arn:`, or is short without that `*` (it then names only
/// itself, which no resource's ARN is).
pub(super) fn segments(arn: &str) -> Option<[&str; 6]> {
    let mut out = ["*"; 6];
    let mut parts = arn.splitn(6, ':');
    for (i, slot) in out.iter_mut().enumerate() {
        match parts.next() {
            Some(p) => *slot = p,
            None if i == 0 => return None,
            None if out[i - 1].ends_with('*') => break,
            None => return None,
        }
    }
    (out[0] == "arn").then_some(out)
}

/// A policy pattern or an ARN format, split for matching.
#[derive(Debug)]
enum Split {
    /// Tokens of the six segments.
    Arn([Vec<Tok>; 6]),
    /// Not an ARN: matched as one string.
    Whole(Vec<Tok>),
}

impl Split {
    fn pattern(p: &str) -> Split {
        match segments(p) {
            Some(s) => Split::Arn(s.map(pattern_tokens)),
            None => Split::Whole(pattern_tokens(p)),
        }
    }

    fn format(f: &str) -> Split {
        match segments(f) {
            Some(s) => Split::Arn(s.map(format_tokens)),
            None => Split::Whole(format_tokens(f)),
        }
    }
}

/// Whether some ARN matches both the policy pattern and the format.
fn arn_overlaps(p: &Split, f: &Split) -> bool {
    match (p, f) {
        (Split::Arn(p), Split::Arn(f)) => p
            .iter()
            .zip(f)
            .enumerate()
            .all(|(i, (p, f))| overlaps(p, f, segment_case(i))),
        (Split::Whole(p), Split::Whole(f)) => overlaps(p, f, Case::Sensitive),
        (Split::Whole(p), Split::Arn(_)) => p.iter().all(|t| *t == Tok::Any),
        (Split::Arn(_), Split::Whole(_)) => false,
    }
}

/// How segment `i` of an ARN compares: the resource part (5) with case, the others without.
pub(super) fn segment_case(i: usize) -> Case {
    if i < 5 {
        Case::Insensitive
    } else {
        Case::Sensitive
    }
}

/// Whether every ARN of the format (`glob`: its variables as `*`) matches the pattern,
/// segment by segment. Sound: a wildcard of the format is covered only by a `*` of the pattern
/// (a partition, by a pattern naming one of AWS's partitions: a policy governs requests of
/// its own account's partition).
fn arn_covers(pattern: &str, glob: &str) -> bool {
    match (segments(pattern), segments(glob)) {
        (Some(p), Some(f)) => p.iter().zip(f).enumerate().all(|(i, (p, f))| {
            covers(p, f, segment_case(i))
                || (i == 1
                    && f == "*"
                    && crate::iam::arn::PARTITIONS
                        .iter()
                        .any(|x| crate::glob::matches_str(p, x, Case::Insensitive)))
        }),
        (None, _) => pattern.bytes().all(|c| c == b'*') && !pattern.is_empty(),
        (Some(_), None) => false,
    }
}

/// Whether some string matches both the pattern `p` and the format `f` (one segment).
/// Dynamic programming over suffixes, O(|p| x |f|).
fn overlaps(p: &[Tok], f: &[Tok], case: Case) -> bool {
    let (n, m) = (p.len(), f.len());
    // IAM takes ARNs of at most 2,048 characters; a longer pattern (from a hostile or broken
    // document) is taken to overlap, which never narrows a grant, and costs no n x m table.
    if n > MAX_PATTERN {
        return true;
    }
    let w = m + 1;
    // r[i * w + j]: the suffixes p[i..] and f[j..] have a common match.
    let mut r = vec![false; (n + 1) * w];
    r[n * w + m] = true;
    for i in (0..=n).rev() {
        for j in (0..=m).rev() {
            if i == n && j == m {
                continue;
            }
            let at = |ii: usize, jj: usize| r[ii * w + jj];
            let v = if i < n && p[i] == Tok::Any {
                at(i + 1, j) || (j < m && at(i, j + 1))
            } else if j < m && matches!(f[j], Tok::Any | Tok::Name) {
                // The variable is empty, or produces the character p[i] stands for.
                let can = |c: u8| f[j] == Tok::Any || (c != b':' && c != b'/');
                at(i, j + 1)
                    || (i < n
                        && match p[i] {
                            Tok::Lit(c) => can(c),
                            _ => true,
                        }
                        && at(i + 1, j))
            } else if i == n || j == m {
                false
            } else {
                let ok = match (p[i], f[j]) {
                    (Tok::One, _) | (_, Tok::One) => true,
                    (Tok::Lit(a), Tok::Lit(b)) => match case {
                        Case::Sensitive => a == b,
                        Case::Insensitive => a.eq_ignore_ascii_case(&b),
                    },
                    _ => false,
                };
                ok && at(i + 1, j + 1)
            };
            r[i * w + j] = v;
        }
    }
    r[0]
}

/// `*`, `**`, ...: the pattern that matches the `"*"` resource of an action that takes no
/// resource (AWS takes only that, not `?` nor an ARN).
fn all_stars(p: &str) -> bool {
    !p.is_empty() && p.bytes().all(|c| c == b'*')
}

/// The longest pattern the overlap table is built for.
const MAX_PATTERN: usize = 2_048;

/// One resource type of the table.
#[derive(Debug)]
struct ResourceType {
    /// `service/type`, lower-case (for messages and tests).
    #[cfg_attr(not(test), allow(dead_code))]
    label: String,
    tokens: Split,
    /// The format with each variable as `*`, for [`covers`].
    glob: String,
    /// The literal service segment, lower-case; `None` when it is a variable.
    arn_service: Option<String>,
}

/// The resource types of every catalog action, with their ARN formats.
#[derive(Debug)]
pub(super) struct Applicability {
    types: Vec<ResourceType>,
    /// Per action id, the indexes of its types in `types` (`None`: a type without a known
    /// format, which can match any resource).
    action_types: Vec<Vec<Option<u16>>>,
}

/// The process-wide table.
pub(super) fn applicability() -> &'static Applicability {
    static T: OnceLock<Applicability> = OnceLock::new();
    T.get_or_init(|| Applicability::parse(RESOURCE_TYPES_TSV))
}

impl Applicability {
    fn parse(text: &'static str) -> Applicability {
        let mut types = Vec::new();
        let mut index: HashMap<(&str, String), u16> = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let mut f = line.split('\t');
            let (Some(service), Some(name), Some(arn), None) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                panic!("iam/data/resource_types.tsv line {}: {line:?}", n + 1)
            };
            let arn_service = arn
                .split(':')
                .nth(2)
                .filter(|s| !s.contains('$'))
                .map(str::to_ascii_lowercase);
            let glob = format_tokens(arn)
                .iter()
                .map(|t| match t {
                    Tok::Lit(c) => *c as char,
                    _ => '*',
                })
                .collect();
            let id = u16::try_from(types.len()).expect("fewer than 65536 resource types");
            index.insert((service, name.to_ascii_lowercase()), id);
            types.push(ResourceType {
                label: format!("{service}/{}", name.to_ascii_lowercase()),
                tokens: Split::format(arn),
                glob,
                arn_service,
            });
        }
        let cat = catalog();
        let action_types = cat
            .iter()
            .map(|(_, info)| {
                info.resource_types()
                    .map(|(t, _)| index.get(&(info.service, t.to_ascii_lowercase())).copied())
                    .collect()
            })
            .collect();
        Applicability {
            types,
            action_types,
        }
    }

    /// The resource types whose format some resource matching `pattern` can have.
    fn types_matched(&self, pattern: &str) -> Vec<bool> {
        let p = Split::pattern(pattern);
        // A pattern whose service is literal can only match formats of that service: skip the
        // others without running the matcher.
        let literal_service = segments(pattern)
            .map(|s| s[2])
            .filter(|s| !s.contains(['*', '?', '$']))
            .map(str::to_ascii_lowercase);
        self.types
            .iter()
            .map(|t| {
                if let (Some(want), Some(have)) = (&literal_service, &t.arn_service)
                    && want != have
                {
                    return false;
                }
                arn_overlaps(&p, &t.tokens)
            })
            .collect()
    }

    /// Whether `arn` can be a resource of `a`: some resource type of the action has a format
    /// the ARN can have (a type without a known format takes any ARN; an action that takes no
    /// resource takes none).
    pub(super) fn takes(&self, a: ActionId, arn: &str) -> bool {
        let types = &self.action_types[a as usize];
        if types.iter().any(Option::is_none) {
            return true;
        }
        if types.is_empty() {
            return false;
        }
        let p = Split::pattern(arn);
        types.iter().flatten().any(|t| {
            let t = &self.types[*t as usize];
            arn_overlaps(&p, &t.tokens)
        })
    }

    /// The actions a statement with `Resource: patterns` can apply to.
    pub(super) fn for_resources(&self, patterns: &[String]) -> ActionSet {
        let star = patterns.iter().any(|p| all_stars(p));
        let mut matched = vec![false; self.types.len()];
        for p in patterns {
            if p == "*" {
                return ActionSet::full();
            }
            for (m, hit) in matched.iter_mut().zip(self.types_matched(p)) {
                *m |= hit;
            }
        }
        self.collect(|types| {
            if types.is_empty() {
                star
            } else {
                types.iter().any(|t| t.is_none_or(|t| matched[t as usize]))
            }
        })
    }

    /// The actions a statement with `NotResource: patterns` can apply to: those with a
    /// resource (or `"*"`, for actions that take none) that no pattern matches.
    pub(super) fn for_not_resources(&self, patterns: &[String]) -> ActionSet {
        let star_excluded = patterns.iter().any(|p| all_stars(p));
        let covered: Vec<bool> = self
            .types
            .iter()
            .map(|t| patterns.iter().any(|p| arn_covers(p, &t.glob)))
            .collect();
        self.collect(|types| {
            if types.is_empty() {
                !star_excluded
            } else {
                types.iter().any(|t| t.is_none_or(|t| !covered[t as usize]))
            }
        })
    }

    fn collect(&self, keep: impl Fn(&[Option<u16>]) -> bool) -> ActionSet {
        self.action_types
            .iter()
            .enumerate()
            .filter(|(_, types)| keep(types))
            .map(|(i, _)| i as ActionId)
            .collect()
    }

    /// `service/type` names of an action's resource types (for messages and tests).
    #[cfg(test)]
    pub(super) fn type_names(&self, a: ActionId) -> Vec<String> {
        self.action_types[a as usize]
            .iter()
            .map(|t| match t {
                Some(t) => self.types[*t as usize].label.clone(),
                None => "?".to_owned(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ov(p: &str, f: &str) -> bool {
        arn_overlaps(&Split::pattern(p), &Split::format(f))
    }

    fn seg_ov(p: &[Tok], f: &[Tok]) -> bool {
        overlaps(p, f, Case::Sensitive)
    }

    const USER: &str = "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}";
    const OBJECT: &str = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";

    #[test]
    fn a_pattern_overlaps_a_format_segment_by_segment() {
        assert!(ov("*", USER));
        assert!(ov("arn:aws:iam::*:user/*", USER));
        assert!(ov("arn:aws:iam::123456789012:user/alice", USER));
        assert!(ov("arn:aws:iam::*:*", USER));
        assert!(ov("arn:*", USER));
        assert!(
            ov("arn:aws:iam:*", USER),
            "a trailing `*` runs past the colons"
        );
        assert!(
            !ov("arn:aws:iam", USER),
            "a short ARN without it names only itself"
        );
        // Wildcards stay in their segment: no IAM user ARN is a CloudFormation stack, nor a
        // role (the account `*` cannot swallow `:user/x`).
        assert!(!ov("arn:aws:cloudformation:*:*:stack/*", USER));
        assert!(!ov("arn:aws:sns:*:111122223333:*", USER));
        assert!(!ov("arn:aws:iam::*:role/*", USER));
        assert!(!ov("arn:aws:*:user/*", USER));
        assert!(!ov("user/*", USER), "not an ARN");
        assert!(ov("arn:aws:s3:::bucket/*", OBJECT));
        assert!(
            ov("arn:aws:s3:::bucket/a:b", OBJECT),
            "object keys may hold ':'"
        );
        assert!(
            !ov("arn:aws:s3:::bucket", OBJECT),
            "a bucket ARN is no object ARN"
        );
        assert!(ov("arn:aws:s3:::${aws:username}/*", OBJECT));
        assert!(ov("arn:aws:iam::?23456789012:user/*", USER));
        // The resource part compares with case, the other segments without.
        assert!(ov("arn:aws:IAM::*:user/*", USER));
        assert!(!ov("arn:aws:iam::*:User/*", USER));
        assert!(arn_covers("arn:aws:iam::*:user/*", "arn:*:iam::*:user/*"));
        assert!(!arn_covers("arn:aws:iam::1:user/*", "arn:*:iam::*:user/*"));
        assert!(arn_covers("arn:*:iam::*:user/*", "arn:*:iam::*:user/*"));
        assert!(arn_covers("arn:*:iam:*", "arn:*:iam::*:user/*"));
        assert!(!arn_covers("arn:*:iam", "arn:*:iam::*:user/*"));
        assert!(!arn_covers("arn:*:user/*", "arn:*:iam::*:user/*"));
    }

    #[test]
    fn overlap_agrees_with_brute_force_on_small_alphabets() {
        // Every pattern and format segment over {a, :, /, *, ?, variables} up to 3 tokens,
        // against every string over {a, :, /} up to 6 characters: `overlaps` is true exactly
        // when one of them matches both (a name variable holds neither ':' nor '/').
        fn matches_fmt(f: &[Tok], s: &[u8]) -> bool {
            match f.split_first() {
                None => s.is_empty(),
                Some((Tok::Lit(c), rest)) => s.first() == Some(c) && matches_fmt(rest, &s[1..]),
                Some((Tok::One, rest)) => !s.is_empty() && matches_fmt(rest, &s[1..]),
                Some((Tok::Any, rest)) => (0..=s.len()).any(|k| matches_fmt(rest, &s[k..])),
                Some((Tok::Name, rest)) => (0..=s.len())
                    .take_while(|&k| k == 0 || !matches!(s[k - 1], b':' | b'/'))
                    .any(|k| matches_fmt(rest, &s[k..])),
            }
        }
        let toks = [
            Tok::Lit(b'a'),
            Tok::Lit(b':'),
            Tok::Lit(b'/'),
            Tok::Any,
            Tok::One,
            Tok::Name,
        ];
        let mut seqs: Vec<Vec<Tok>> = vec![vec![]];
        for len in 1..=3 {
            let prev: Vec<Vec<Tok>> = seqs
                .iter()
                .filter(|s| s.len() == len - 1)
                .cloned()
                .collect();
            for s in prev {
                for t in toks {
                    let mut v = s.clone();
                    v.push(t);
                    seqs.push(v);
                }
            }
        }
        let mut strings: Vec<Vec<u8>> = vec![vec![]];
        for len in 1..=6 {
            let prev: Vec<Vec<u8>> = strings
                .iter()
                .filter(|s| s.len() == len - 1)
                .cloned()
                .collect();
            for s in prev {
                for c in [b'a', b':', b'/'] {
                    let mut v = s.clone();
                    v.push(c);
                    strings.push(v);
                }
            }
        }
        let patterns: Vec<&Vec<Tok>> = seqs.iter().filter(|s| !s.contains(&Tok::Name)).collect();
        for p in &patterns {
            for f in &seqs {
                if f.contains(&Tok::One) {
                    continue; // formats hold no `?`
                }
                let want = strings
                    .iter()
                    .any(|s| matches_fmt(p, s) && matches_fmt(f, s));
                // Six characters witness any overlap of two 3-token patterns: a shortest
                // common match spends at most one character on each non-`*` token.
                assert_eq!(seg_ov(p, f), want, "{p:?} vs {f:?}");
            }
        }
    }

    #[test]
    fn wildcard_only_actions_need_star() {
        let t = applicability();
        let cat = catalog();
        let topo = cat.lookup("cloudwatch:EnableTopologyDiscovery").unwrap();
        assert!(t.type_names(topo).is_empty());
        assert!(
            !t.for_resources(&["arn:aws:sns:*:111122223333:*".into()])
                .contains(topo)
        );
        assert!(t.for_resources(&["*".into()]).contains(topo));
        assert!(
            t.for_not_resources(&["arn:aws:sns:*:1:*".into()])
                .contains(topo)
        );
        assert!(!t.for_not_resources(&["*".into()]).contains(topo));
    }

    #[test]
    fn typed_actions_need_a_matching_arn() {
        let t = applicability();
        let cat = catalog();
        let create_user = cat.lookup("iam:CreateUser").unwrap();
        let get_object = cat.lookup("s3:GetObject").unwrap();
        let stacks = t.for_resources(&["arn:aws:cloudformation:*:*:stack/*".into()]);
        assert!(!stacks.contains(create_user));
        assert!(!stacks.contains(get_object));
        assert!(stacks.contains(cat.lookup("cloudformation:DeleteStack").unwrap()));
        let objects = t.for_resources(&["arn:aws:s3:::b/*".into()]);
        assert!(objects.contains(get_object));
        assert!(!objects.contains(cat.lookup("s3:ListBucket").unwrap()));
        assert!(!objects.contains(cat.lookup("s3:ListAllMyBuckets").unwrap()));
        // NotResource: excluded only where every resource of every type is excluded.
        let not_iam = t.for_not_resources(&["arn:aws:iam::*:*".into()]);
        assert!(!not_iam.contains(create_user));
        assert!(not_iam.contains(get_object));
        let not_some_users = t.for_not_resources(&["arn:aws:iam::*:user/admin*".into()]);
        assert!(not_some_users.contains(create_user));
    }
}
