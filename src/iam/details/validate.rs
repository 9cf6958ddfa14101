//! Hostile input: every user, group, role and managed policy is checked against IAM's own rules
//! before it enters the inventory. The names and accounts of the details end up in file paths
//! (`policies/<account>/<kind>/<name>.json`), log lines and reports, so an entity IAM could not
//! have produced (an account that is a path, a NUL, a 10,000-character name) is named in a
//! [`Rejected`] and left out; the rest of the details are used as usual.
//!
//! The rules (IAM API reference, `CreateUser`, `CreateGroup`, `CreateRole`, `CreatePolicy`):
//!
//! * names: `[A-Za-z0-9+=,.@_-]`, 1 to 64 characters for users and roles, 1 to 128 for groups
//!   and managed policies;
//! * paths: `/`, or `/.../` of printable ASCII (0x21-0x7E), at most 512 characters;
//! * ARNs: `arn:<partition>:iam::<account>:<user|group|role|policy>/<path><name>` with a known
//!   partition, a 12-digit account (`aws` for AWS managed policies only) and the entity's name
//!   last.

use super::model::{Group, ManagedPolicy, Role, User};
use super::pages::Page;
use super::parse::Arn;

/// An entity of the details that was left out of the inventory, and why.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Rejected {
    /// The file it was read from, as given.
    pub input: String,
    /// Its ARN (or, without one, its name), escaped ([`crate::text::escape`]) and cut
    /// to 200 characters.
    pub entity: String,
    /// What is wrong with it.
    pub reason: String,
}

pub use crate::iam::arn::PARTITIONS;

/// The longest `entity` of a [`Rejected`], in characters (the ellipsis included).
pub const ENTITY_MAX: usize = 200;

/// Which list an entity comes from: its ARN's resource type and its name's length limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    User,
    Group,
    Role,
    Policy,
}

impl Kind {
    fn resource(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
            Kind::Role => "role",
            Kind::Policy => "policy",
        }
    }

    /// IAM's longest name for this kind.
    fn max_name(self) -> usize {
        match self {
            Kind::User | Kind::Role => 64,
            Kind::Group | Kind::Policy => 128,
        }
    }
}

/// `s` as it may be shown: control characters escaped, at most [`ENTITY_MAX`] characters (the
/// last one an ellipsis when cut). An escape sequence is never cut in half.
pub fn shown(s: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut piece = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        piece.clear();
        let mut b = [0u8; 4];
        piece.push_str(&crate::text::escape(c.encode_utf8(&mut b)));
        let n = piece.chars().count();
        let room = if chars.peek().is_some() {
            ENTITY_MAX - 1
        } else {
            ENTITY_MAX
        };
        if count + n > room {
            out.push('…');
            return out;
        }
        out.push_str(&piece);
        count += n;
    }
    out
}

/// A character IAM does not allow in a name, shown as `U+0000`, or `/`.
fn describe(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("`{c}`")
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// Why `name` is not an IAM name of this kind.
pub(super) fn check_name(kind: Kind, name: &str) -> Result<(), String> {
    let what = kind.resource();
    let n = name.chars().count();
    if n == 0 {
        return Err(format!("the {what} name is empty"));
    }
    if n > kind.max_name() {
        return Err(format!(
            "the {what} name is {n} characters long (IAM allows at most {})",
            kind.max_name()
        ));
    }
    if let Some((i, c)) = name
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || "+=,.@_-".contains(*c)))
    {
        return Err(format!(
            "the {what} name has {} at character {} (IAM allows A-Z, a-z, 0-9 and +=,.@_-)",
            describe(c),
            i + 1
        ));
    }
    Ok(())
}

/// Why `path` is not an IAM path.
pub(super) fn check_path(path: &str) -> Result<(), String> {
    if path.len() > 512 {
        return Err(format!(
            "the path is {} characters long (IAM allows at most 512)",
            path.chars().count()
        ));
    }
    if !path.starts_with('/') || !path.ends_with('/') {
        return Err("the path does not start and end with `/`".to_owned());
    }
    if let Some((i, c)) = path
        .chars()
        .enumerate()
        .find(|(_, c)| !matches!(*c, '\u{21}'..='\u{7e}'))
    {
        return Err(format!(
            "the path has {} at character {} (IAM allows printable ASCII)",
            describe(c),
            i + 1
        ));
    }
    Ok(())
}

/// Why `arn` is not the ARN of an entity of this kind named `name`.
pub(super) fn check_arn(kind: Kind, arn: &Arn, name: &str) -> Result<(), String> {
    let what = kind.resource();
    if !PARTITIONS.contains(&arn.partition.as_str()) {
        return Err(format!(
            "the ARN's partition is not one of {}",
            PARTITIONS.join(", ")
        ));
    }
    let aws_managed = kind == Kind::Policy && arn.account == "aws";
    if !aws_managed && !crate::iam::is_account_id(&arn.account) {
        return Err(format!(
            "the ARN's account `{}` is not a 12-digit account ID",
            shown_short(&arn.account)
        ));
    }
    // `arn:<partition>:iam::<account>:<resource>`: split_arn checked the first five parts.
    let parsed = crate::iam::arn::Arn::parse(&arn.arn);
    let resource = parsed.map_or("", |a| a.resource);
    if !parsed.is_some_and(|a| a.is_iam()) {
        return Err("the ARN is not an IAM ARN (arn:<partition>:iam::<account>:...)".to_owned());
    }
    let Some(rest) = resource
        .strip_prefix(what)
        .and_then(|r| r.strip_prefix('/'))
    else {
        return Err(format!("the ARN's resource does not start with `{what}/`"));
    };
    let (path, last) = match rest.rfind('/') {
        Some(i) => (&rest[..=i], &rest[i + 1..]),
        None => ("", rest),
    };
    if last != name {
        return Err(format!("the ARN does not end with the {what} name"));
    }
    if !path.is_empty() {
        check_path(&format!("/{path}")).map_err(|e| format!("in the ARN: {e}"))?;
    }
    Ok(())
}

/// A short form of a value for a reason (accounts): escaped, at most 40 characters.
fn shown_short(s: &str) -> String {
    let e = crate::text::escape(s);
    if e.chars().count() <= 40 {
        e.into_owned()
    } else {
        let mut t: String = e.chars().take(39).collect();
        t.push('…');
        t
    }
}

/// Every rule for one entity; the first that fails.
fn check(kind: Kind, arn: &Arn, name: &str, path: &str) -> Result<(), String> {
    check_name(kind, name)?;
    check_path(path)?;
    check_arn(kind, arn, name)
}

/// Why a user is not one IAM could have produced.
pub(super) fn check_user(arn: &Arn, u: &User) -> Result<(), String> {
    check(Kind::User, arn, &u.name, &u.path)
}

/// Why a group is not one IAM could have produced.
pub(super) fn check_group(arn: &Arn, g: &Group) -> Result<(), String> {
    check(Kind::Group, arn, &g.name, &g.path)
}

/// Why a role is not one IAM could have produced.
pub(super) fn check_role(arn: &Arn, r: &Role) -> Result<(), String> {
    check(Kind::Role, arn, &r.name, &r.path)
}

/// Why a managed policy is not one IAM could have produced.
pub(super) fn check_policy(arn: &Arn, p: &ManagedPolicy) -> Result<(), String> {
    check(Kind::Policy, arn, &p.name, &p.path)
}

/// The rejection of an entity of `input` whose ARN (or name, when the ARN is empty) is `arn`.
pub(super) fn rejected(input: &str, arn: &str, name: &str, reason: String) -> Rejected {
    let entity = if arn.is_empty() { name } else { arn };
    Rejected {
        input: input.to_owned(),
        entity: shown(entity),
        reason,
    }
}

/// Drops repeated rejections (the same entity in two pages of a file) and logs one warning
/// for each that is left.
pub(super) fn report(rejected: &mut Vec<Rejected>) {
    let mut seen = std::collections::HashSet::new();
    rejected.retain(|r| seen.insert(r.clone()));
    for r in rejected.iter() {
        tracing::warn!(
            "{}: left out of the inventory: {}: {}",
            crate::text::escape(&r.input),
            r.entity,
            r.reason
        );
    }
}

/// Takes out of `page` every entity that fails its rules, and adds its rejection to `out`.
pub(super) fn screen(page: &mut Page, input: &str, out: &mut Vec<Rejected>) {
    let mut reject = |arn: &str, name: &str, reason: String| {
        out.push(rejected(input, arn, name, reason));
    };
    page.users.retain(|(a, u)| {
        check_user(a, u)
            .map_err(|e| reject(&a.arn, &u.name, e))
            .is_ok()
    });
    page.groups.retain(|(a, g)| {
        check_group(a, g)
            .map_err(|e| reject(&a.arn, &g.name, e))
            .is_ok()
    });
    page.roles.retain(|(a, r)| {
        check_role(a, r)
            .map_err(|e| reject(&a.arn, &r.name, e))
            .is_ok()
    });
    page.policies.retain(|(a, p)| {
        check_policy(a, p)
            .map_err(|e| reject(&a.arn, &p.name, e))
            .is_ok()
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arn(s: &str) -> Arn {
        let (partition, account) = super::super::model::split_arn(s).unwrap();
        Arn {
            arn: s.to_owned(),
            partition: partition.to_owned(),
            account: account.to_owned(),
        }
    }

    #[test]
    fn names_follow_iam_rules() {
        assert_eq!(check_name(Kind::User, "alice"), Ok(()));
        assert_eq!(check_name(Kind::User, "a+b=c,d.e@f_g-h"), Ok(()));
        assert!(check_name(Kind::User, "").unwrap_err().contains("empty"));
        assert_eq!(check_name(Kind::Role, &"r".repeat(64)), Ok(()));
        assert!(
            check_name(Kind::Role, &"r".repeat(65))
                .unwrap_err()
                .contains("65 characters")
        );
        assert!(check_name(Kind::User, &"u".repeat(65)).is_err());
        // Groups and policies: 128 (IAM's CreateGroup and CreatePolicy).
        assert_eq!(check_name(Kind::Group, &"g".repeat(128)), Ok(()));
        assert!(check_name(Kind::Group, &"g".repeat(129)).is_err());
        assert_eq!(check_name(Kind::Policy, &"p".repeat(128)), Ok(()));
        assert!(check_name(Kind::Policy, &"p".repeat(129)).is_err());
        let e = check_name(Kind::User, "bad\0user").unwrap_err();
        assert!(e.contains("U+0000 at character 4"), "{e}");
        // IAM allows a name of dots: the policy writer encodes it.
        assert_eq!(check_name(Kind::Role, ".."), Ok(()));
        for bad in ["a/b", "a b", "a:b", "a%2Fb", "é", "a\nb", "a*"] {
            assert!(check_name(Kind::Role, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn paths_follow_iam_rules() {
        for ok in ["/", "/a/", "/aws-service-role/ecs.amazonaws.com/", "/!~/"] {
            assert_eq!(check_path(ok), Ok(()), "{ok:?}");
        }
        // A space is 0x20: not allowed.
        assert!(check_path("/a b/").unwrap_err().contains("U+0020"));
        assert!(check_path("").is_err());
        assert!(check_path("a/").is_err());
        assert!(check_path("/a").is_err());
        assert!(check_path("/a\0/").unwrap_err().contains("U+0000"));
        assert!(check_path("/é/").is_err());
        assert!(check_path("/\u{7f}/").is_err());
        let long = format!("/{}/", "p".repeat(510));
        assert_eq!(check_path(&long), Ok(()));
        let longer = format!("/{}/", "p".repeat(511));
        assert!(check_path(&longer).unwrap_err().contains("513"));
    }

    #[test]
    fn arns_follow_iam_rules() {
        let ok = |k, a: &str, n: &str| check_arn(k, &arn(a), n);
        assert_eq!(
            ok(Kind::Role, "arn:aws:iam::111122223333:role/app", "app"),
            Ok(())
        );
        assert_eq!(
            ok(
                Kind::Role,
                "arn:aws-us-gov:iam::111122223333:role/service-role/x/app",
                "app"
            ),
            Ok(())
        );
        assert_eq!(
            ok(Kind::User, "arn:aws-eusc:iam::111122223333:user/u", "u"),
            Ok(())
        );
        assert_eq!(
            ok(Kind::Group, "arn:aws-cn:iam::111122223333:group/g", "g"),
            Ok(())
        );
        assert_eq!(
            ok(
                Kind::Policy,
                "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
                "ViewOnlyAccess"
            ),
            Ok(())
        );
        assert_eq!(
            ok(Kind::Policy, "arn:aws:iam::111122223333:policy/p", "p"),
            Ok(())
        );
        // Account: 12 digits; `aws` only for AWS managed policies.
        for a in [
            "arn:aws:iam::/any/dir:role/x",
            "arn:aws:iam::../..:role/x",
            "arn:aws:iam::11112222333:role/x",
            "arn:aws:iam::1111222233334:role/x",
            "arn:aws:iam::aws:role/x",
            "arn:aws:iam::11112222333a:role/x",
        ] {
            let e = ok(Kind::Role, a, "x").unwrap_err();
            assert!(e.contains("account"), "{a}: {e}");
        }
        // Partition, service, region, resource type, name, path.
        assert!(
            ok(Kind::Role, "arn:evil:iam::111122223333:role/x", "x")
                .unwrap_err()
                .contains("partition")
        );
        assert!(ok(Kind::Role, "arn:aws:s3::111122223333:role/x", "x").is_err());
        assert!(ok(Kind::Role, "arn:aws:iam:us-east-1:111122223333:role/x", "x").is_err());
        assert!(
            ok(Kind::Role, "arn:aws:iam::111122223333:user/x", "x")
                .unwrap_err()
                .contains("role/")
        );
        assert!(
            ok(Kind::Role, "arn:aws:iam::111122223333:role/x", "y")
                .unwrap_err()
                .contains("name")
        );
        assert!(
            ok(Kind::Role, "arn:aws:iam::111122223333:role/a\0/x", "x")
                .unwrap_err()
                .contains("path")
        );
        assert!(ok(Kind::Role, "arn:aws:iam::111122223333:rolex", "rolex").is_err());
    }

    #[test]
    fn bad_entities_are_named_and_left_out_and_the_rest_is_kept() {
        use super::super::model::Inventory;
        let long = "r".repeat(10_000);
        let doc = serde_json::json!({
            "UserDetailList": [
                {"UserName": "alice", "Arn": "arn:aws:iam::111122223333:user/alice"},
                {"UserName": "bad\u{0}user", "Arn": "arn:aws:iam::111122223333:user/bad\u{0}user"},
                {"UserName": "x", "Arn": "arn:aws:iam::/any/dir:user/x"}
            ],
            "GroupDetailList": [
                {"GroupName": "g", "Path": "no-slash", "Arn": "arn:aws:iam::111122223333:group/g"}
            ],
            "RoleDetailList": [
                {"RoleName": long, "Arn": format!("arn:aws:iam::111122223333:role/{long}")},
                {"RoleName": "app", "Arn": "arn:aws:iam::../../escape:role/app"},
                {"RoleName": "ok", "Path": "/svc/", "Arn": "arn:aws:iam::111122223333:role/svc/ok"}
            ],
            "Policies": [
                {"PolicyName": "ReadOnlyAccess", "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
                {"PolicyName": "p", "Arn": "arn:aws:iam::aws:policy/q"}
            ]
        });
        let bytes = serde_json::to_vec(&doc).unwrap();
        let inv = Inventory::parse_bytes("d.json", &bytes).unwrap();
        // Only the good account: the accounts named by rejected ARNs do not exist.
        assert_eq!(inv.accounts.keys().collect::<Vec<_>>(), ["111122223333"]);
        let a = &inv.accounts["111122223333"];
        assert_eq!(
            a.users.iter().map(|u| &u.name).collect::<Vec<_>>(),
            ["alice"]
        );
        assert_eq!(a.roles.iter().map(|r| &r.name).collect::<Vec<_>>(), ["ok"]);
        assert!(a.groups.is_empty());
        assert_eq!(a.policies.len(), 1);
        let got: Vec<(&str, &str)> = inv
            .rejected
            .iter()
            .map(|r| (r.entity.as_str(), r.reason.as_str()))
            .collect();
        assert_eq!(got.len(), 6, "{got:#?}");
        assert!(inv.rejected.iter().all(|r| r.input == "d.json"));
        assert_eq!(got[0].0, "arn:aws:iam::111122223333:user/bad\\u{0}user");
        assert!(got[0].1.contains("U+0000"));
        assert_eq!(got[1].0, "arn:aws:iam::/any/dir:user/x");
        assert!(got[1].1.contains("12-digit"));
        assert!(got[2].1.contains("path"));
        assert_eq!(got[3].0.chars().count(), ENTITY_MAX);
        assert!(got[3].1.contains("10000 characters"));
        assert!(got[4].1.contains("account"));
        assert!(got[5].1.contains("does not end with the policy name"));
        // The same page twice: each rejection once.
        let twice = [bytes.clone(), bytes].concat();
        let inv2 = Inventory::parse_bytes("d.json", &twice).unwrap();
        assert_eq!(inv2.rejected, inv.rejected);
    }

    #[test]
    fn entities_are_shown_escaped_and_cut() {
        assert_eq!(
            shown("arn:aws:iam::1:user/a\0b"),
            "arn:aws:iam::1:user/a\\u{0}b"
        );
        assert_eq!(shown(&"x".repeat(200)), "x".repeat(200));
        let cut = shown(&"x".repeat(10_000));
        assert_eq!(cut.chars().count(), 200);
        assert!(cut.ends_with("x…"));
        // An escape is not cut in half.
        let s = format!("{}\0\0\0", "x".repeat(190));
        let cut = shown(&s);
        assert!(cut.chars().count() <= 200);
        assert!(cut.ends_with("\\u{0}…"), "{cut}");
    }
}
