//! The files of a refinement of an existing policy ([`crate::recommend::refine`]), under
//! `policies/<account>/refine/`: one folder per policy (`managed/<name>/`,
//! `aws-managed/<name>/`, `<user|group|role>/<holder>/<policy>/`, each part a
//! [`file_stem`]) holding
//!
//! * `before.json`, `after.json` (not for a detach) and `diff.patch` (a unified diff);
//! * `apply.sh`: the exact read-write `aws iam` commands, printed for a person to review and
//!   run, never run by trailguard, with the roll-back commands as comments;
//! * `policy.tf` (an `aws_iam_policy_document` data source and the resource that uses it) and
//!   `cfn.json` (a CloudFormation template of the policy), not for a detach;
//! * `README.txt`: what changed, what was removed, the replay.
//!
//! `policies/refinements.json` lists every policy considered, with its outcome and files.

use serde_json::{Value, json};

use crate::paths::file_stem;
use crate::recommend::refine::{Outcome, Owner, Refinement, Target};

/// The folder of a refinement under `policies/`, as path parts.
pub fn folder(r: &Refinement) -> Vec<String> {
    let mut parts = vec![r.account.clone(), "refine".to_owned()];
    match &r.target {
        Target::Managed {
            name, aws_managed, ..
        } => {
            parts.push(
                if *aws_managed {
                    "aws-managed"
                } else {
                    "managed"
                }
                .to_owned(),
            );
            parts.push(file_stem(name));
        }
        Target::Inline {
            owner,
            owner_name,
            name,
        } => {
            parts.push(owner.as_str().to_owned());
            parts.push(file_stem(owner_name));
            parts.push(file_stem(name));
        }
    }
    parts
}

/// A string for `sh`: single-quoted, a `'` written `'\''`. A control character (IAM names
/// hold none; the details reader refuses them) is written `\xNN`, so that a script never
/// carries a raw newline, NUL or escape sequence: such a command names nothing and fails.
pub fn sh_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str(r"'\''"),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A string for HCL: escaped, with `${` and `%{` doubled so that an IAM policy variable
/// (`${aws:username}`) reaches the policy as written instead of being interpolated.
pub fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Terraform identifier from a name: letters, digits, `_` and `-`, starting with a letter.
fn tf_ident(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s.insert_str(0, "p_");
    }
    s
}

fn values(v: &Value) -> Vec<String> {
    let one = |x: &Value| match x {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match v {
        Value::Array(a) => a.iter().map(one).collect(),
        Value::Null => Vec::new(),
        x => vec![one(x)],
    }
}

fn hcl_list(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| hcl_string(s)).collect();
    format!("[{}]", items.join(", "))
}

fn statements(doc: &Value) -> Vec<&Value> {
    match &doc["Statement"] {
        Value::Array(a) => a.iter().collect(),
        o @ Value::Object(_) => vec![o],
        _ => Vec::new(),
    }
}

/// The `aws_iam_policy_document` data source of a policy document.
pub fn terraform_document(ident: &str, doc: &Value) -> String {
    let mut out = format!("data \"aws_iam_policy_document\" \"{ident}\" {{\n");
    if let Some(v) = doc["Version"].as_str() {
        out.push_str(&format!("  version = {}\n", hcl_string(v)));
    }
    for st in statements(doc) {
        out.push_str("\n  statement {\n");
        if let Some(sid) = st["Sid"].as_str() {
            out.push_str(&format!("    sid       = {}\n", hcl_string(sid)));
        }
        if let Some(e) = st["Effect"].as_str() {
            out.push_str(&format!("    effect    = {}\n", hcl_string(e)));
        }
        for (key, arg) in [
            ("Action", "actions"),
            ("NotAction", "not_actions"),
            ("Resource", "resources"),
            ("NotResource", "not_resources"),
        ] {
            if st.get(key).is_some() {
                out.push_str(&format!("    {arg:<9} = {}\n", hcl_list(&values(&st[key]))));
            }
        }
        if let Some(conds) = st["Condition"].as_object() {
            for (op, keys) in conds {
                let Some(keys) = keys.as_object() else {
                    continue;
                };
                for (k, v) in keys {
                    out.push_str("\n    condition {\n");
                    out.push_str(&format!("      test     = {}\n", hcl_string(op)));
                    out.push_str(&format!("      variable = {}\n", hcl_string(k)));
                    out.push_str(&format!("      values   = {}\n", hcl_list(&values(v))));
                    out.push_str("    }\n");
                }
            }
        }
        out.push_str("  }\n");
    }
    out.push_str("}\n");
    out
}

/// The name of the customer managed policy that replaces an AWS managed one.
pub fn replacement_name(name: &str) -> String {
    let suffix = "-refined";
    let keep = 128 - suffix.len();
    let cut: String = name.chars().take(keep).collect();
    format!("{cut}{suffix}")
}

/// The replacement's path.
pub const REPLACEMENT_PATH: &str = "/trailguard/";

fn partition_of(arn: &str) -> &str {
    arn.split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
}

fn attach_cmd(verb: &str, owner: Owner, name: &str, arn: &str) -> String {
    let k = owner.as_str();
    format!(
        "aws iam {verb}-{k}-policy --{k}-name {} --policy-arn {}",
        sh_quote(name),
        sh_quote(arn)
    )
}

/// `apply.sh`: the commands that apply the refinement.
pub fn apply_script(r: &Refinement) -> String {
    let mut s = String::from("#!/bin/sh\n");
    s.push_str(&format!(
        "# trailguard: {} of {} in account {}.\n",
        r.outcome.as_str(r.aws_managed()),
        crate::text::escape(&r.target.label()),
        r.account
    ));
    s.push_str(
        "# Printed for review, never run by trailguard. Read diff.patch first; these calls\n\
         # change IAM and need read-write IAM permissions.\n\
         set -eu\ncd \"$(dirname \"$0\")\"\n\n",
    );
    let label_line = |s: &mut String, t: &str| s.push_str(&format!("# {t}\n"));
    match (&r.target, &r.outcome) {
        (
            Target::Managed {
                arn,
                aws_managed: false,
                default_version,
                other_versions,
                ..
            },
            Outcome::Refine,
        ) => {
            if other_versions.len() >= 4 {
                label_line(
                    &mut s,
                    "IAM keeps at most five versions of a policy: the oldest one not in effect goes first.",
                );
                s.push_str(&format!(
                    "aws iam delete-policy-version --policy-arn {} --version-id {}\n",
                    sh_quote(arn),
                    sh_quote(&other_versions[0])
                ));
            }
            s.push_str(&format!(
                "aws iam create-policy-version --policy-arn {} --policy-document file://after.json --set-as-default\n",
                sh_quote(arn)
            ));
            if let Some(v) = default_version {
                s.push_str(&format!(
                    "\n# Roll back:\n# aws iam set-default-policy-version --policy-arn {} --version-id {}\n",
                    sh_quote(arn),
                    sh_quote(v)
                ));
            }
        }
        (Target::Managed { arn, .. }, Outcome::Detach) => {
            for (o, n) in &r.attachments {
                s.push_str(&attach_cmd("detach", *o, n, arn));
                s.push('\n');
            }
            s.push_str("\n# Roll back:\n");
            for (o, n) in &r.attachments {
                s.push_str(&format!("# {}\n", attach_cmd("attach", *o, n, arn)));
            }
        }
        (
            Target::Managed {
                arn,
                name,
                aws_managed: true,
                ..
            },
            Outcome::Refine,
        ) => {
            let new_name = replacement_name(name);
            let new_arn = format!(
                "arn:{}:iam::{}:policy{REPLACEMENT_PATH}{new_name}",
                partition_of(arn),
                r.account
            );
            label_line(
                &mut s,
                "An AWS managed policy cannot be changed: a customer managed copy of what is used takes its place.",
            );
            s.push_str(&format!(
                "aws iam create-policy --policy-name {} --path {} --policy-document file://after.json --description {}\n",
                sh_quote(&new_name),
                sh_quote(REPLACEMENT_PATH),
                sh_quote(&format!("trailguard: the used part of {name}"))
            ));
            for (o, n) in &r.attachments {
                s.push_str(&attach_cmd("attach", *o, n, &new_arn));
                s.push('\n');
                s.push_str(&attach_cmd("detach", *o, n, arn));
                s.push('\n');
            }
            s.push_str("\n# Roll back:\n");
            for (o, n) in &r.attachments {
                s.push_str(&format!("# {}\n", attach_cmd("attach", *o, n, arn)));
                s.push_str(&format!("# {}\n", attach_cmd("detach", *o, n, &new_arn)));
            }
        }
        (
            Target::Inline {
                owner,
                owner_name,
                name,
            },
            Outcome::Refine | Outcome::Detach,
        ) => {
            let k = owner.as_str();
            let put = |doc: &str| {
                format!(
                    "aws iam put-{k}-policy --{k}-name {} --policy-name {} --policy-document file://{doc}",
                    sh_quote(owner_name),
                    sh_quote(name)
                )
            };
            if r.outcome == Outcome::Refine {
                s.push_str(&put("after.json"));
            } else {
                s.push_str(&format!(
                    "aws iam delete-{k}-policy --{k}-name {} --policy-name {}",
                    sh_quote(owner_name),
                    sh_quote(name)
                ));
            }
            s.push_str(&format!("\n\n# Roll back:\n# {}\n", put("before.json")));
        }
        _ => s.push_str("# Nothing to apply.\n"),
    }
    s
}

/// `policy.tf`: the refined document and the resource that holds it.
pub fn terraform(r: &Refinement, after: &Value) -> String {
    let (ident, resource) = match &r.target {
        Target::Managed {
            name,
            path,
            aws_managed,
            ..
        } => {
            let (name, path) = if *aws_managed {
                (replacement_name(name), REPLACEMENT_PATH.to_owned())
            } else {
                (name.clone(), path.clone())
            };
            let ident = tf_ident(&name);
            let mut res = format!(
                "resource \"aws_iam_policy\" \"{ident}\" {{\n  name   = {}\n  path   = {}\n  policy = data.aws_iam_policy_document.{ident}.json\n}}\n",
                hcl_string(&name),
                hcl_string(&path)
            );
            if *aws_managed {
                for (o, n) in &r.attachments {
                    let k = o.as_str();
                    let arg = if *o == Owner::User { "user" } else { k };
                    res.push_str(&format!(
                        "\nresource \"aws_iam_{k}_policy_attachment\" \"{}\" {{\n  {arg:<10} = {}\n  policy_arn = aws_iam_policy.{ident}.arn\n}}\n",
                        tf_ident(&format!("{ident}_{n}")),
                        hcl_string(n)
                    ));
                }
            }
            (ident, res)
        }
        Target::Inline {
            owner,
            owner_name,
            name,
        } => {
            let k = owner.as_str();
            let ident = tf_ident(&format!("{owner_name}_{name}"));
            (
                ident.clone(),
                format!(
                    "resource \"aws_iam_{k}_policy\" \"{ident}\" {{\n  name   = {}\n  {k:<6} = {}\n  policy = data.aws_iam_policy_document.{ident}.json\n}}\n",
                    hcl_string(name),
                    hcl_string(owner_name)
                ),
            )
        }
    };
    format!(
        "# trailguard: {} of {} in account {}.\n# Put this document in place of the one that manages the policy today.\n\n{}\n{}",
        r.outcome.as_str(r.aws_managed()),
        crate::text::escape(&r.target.label()),
        r.account,
        terraform_document(&ident, after),
        resource
    )
}

/// `cfn.json`: a CloudFormation template of the refined policy.
pub fn cloudformation(r: &Refinement, after: &Value) -> Value {
    let (logical, resource) = match &r.target {
        Target::Managed {
            name,
            path,
            aws_managed,
            ..
        } => {
            let mut props = serde_json::Map::new();
            let (name, path) = if *aws_managed {
                (replacement_name(name), REPLACEMENT_PATH.to_owned())
            } else {
                (name.clone(), path.clone())
            };
            props.insert("ManagedPolicyName".into(), json!(name));
            props.insert("Path".into(), json!(path));
            props.insert("PolicyDocument".into(), after.clone());
            if *aws_managed {
                for (o, key) in [
                    (Owner::User, "Users"),
                    (Owner::Group, "Groups"),
                    (Owner::Role, "Roles"),
                ] {
                    let names: Vec<&str> = r
                        .attachments
                        .iter()
                        .filter(|(k, _)| *k == o)
                        .map(|(_, n)| n.as_str())
                        .collect();
                    if !names.is_empty() {
                        props.insert(key.into(), json!(names));
                    }
                }
            }
            (
                "RefinedManagedPolicy",
                json!({"Type": "AWS::IAM::ManagedPolicy", "Properties": props}),
            )
        }
        Target::Inline {
            owner,
            owner_name,
            name,
        } => {
            let (ty, holder) = match owner {
                Owner::User => ("AWS::IAM::UserPolicy", "UserName"),
                Owner::Group => ("AWS::IAM::GroupPolicy", "GroupName"),
                Owner::Role => ("AWS::IAM::RolePolicy", "RoleName"),
            };
            (
                "RefinedInlinePolicy",
                json!({"Type": ty, "Properties": {
                    "PolicyName": name, holder: owner_name, "PolicyDocument": after}}),
            )
        }
    };
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("trailguard: {} of {} in account {}",
            r.outcome.as_str(r.aws_managed()), r.target.label(), r.account),
        "Resources": {logical: resource},
    })
}

fn pretty(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// `diff.patch`: before against after (against nothing, for a detach).
pub fn diff(r: &Refinement) -> String {
    let before = pretty(&r.before);
    let after = r.after.as_ref().map(pretty).unwrap_or_default();
    similar::TextDiff::from_lines(&before, &after)
        .unified_diff()
        .context_radius(3)
        .header(
            "before.json",
            if r.after.is_some() {
                "after.json"
            } else {
                "/dev/null"
            },
        )
        .to_string()
}

fn readme(r: &Refinement) -> String {
    let mut s = format!(
        "{}: {} in account {}\n",
        r.outcome.as_str(r.aws_managed()),
        crate::text::escape(&r.target.label()),
        r.account
    );
    s.push_str(&format!(
        "reaches: {}\n",
        crate::text::escape(&r.principals.join(", "))
    ));
    s.push_str(&format!(
        "actions removed: {}; still allowed: {}\n",
        r.removed, r.kept
    ));
    if let Some((p, o, n)) = r.verified {
        s.push_str(&format!(
            "verified: true ({p} principals replayed with every refinement of the account applied: {o} observed calls still allowed, {n} sampled requests allowed by today's grant)\n"
        ));
    }
    if !r.changes.is_empty() {
        s.push_str("\nchanges:\n");
        for c in &r.changes {
            s.push_str(&format!("  {}\n", crate::text::escape(c)));
        }
    }
    if !r.removed_listed.is_empty() {
        s.push_str("\nriskiest removed:\n");
        for c in &r.removed_listed {
            s.push_str(&format!("  {c}\n"));
        }
    }
    s.push_str("\nReview diff.patch, then run apply.sh (or use policy.tf / cfn.json where the policy is managed as code).\n");
    s
}

/// The files of one refinement: `(name, bytes)`.
pub fn files(r: &Refinement) -> Vec<(&'static str, Vec<u8>)> {
    let mut out: Vec<(&'static str, Vec<u8>)> = Vec::new();
    if !r.outcome.writes() {
        return out;
    }
    out.push(("before.json", pretty(&r.before).into_bytes()));
    if let Some(a) = &r.after {
        out.push(("after.json", pretty(a).into_bytes()));
        out.push(("policy.tf", terraform(r, a).into_bytes()));
        out.push(("cfn.json", pretty(&cloudformation(r, a)).into_bytes()));
    }
    out.push(("diff.patch", diff(r).into_bytes()));
    out.push(("apply.sh", apply_script(r).into_bytes()));
    out.push(("README.txt", readme(r).into_bytes()));
    out
}

/// `policies/refinements.json`: every policy considered.
pub fn index(rs: &[Refinement]) -> Value {
    let items: Vec<Value> = rs
        .iter()
        .map(|r| {
            let (reason, folder_rel) = match &r.outcome {
                Outcome::Skipped(w) | Outcome::Failed(w) => (Some(w.clone()), None),
                o if o.writes() => (None, Some(format!("policies/{}/", folder(r).join("/")))),
                _ => (None, None),
            };
            json!({
                "account": r.account,
                "policy": r.target.label(),
                "outcome": r.outcome.as_str(r.aws_managed()),
                "reason": reason,
                "folder": folder_rel,
                "attachments": r.attachments.iter()
                    .map(|(o, n)| format!("{}/{n}", o.as_str())).collect::<Vec<_>>(),
                "principals": r.principals,
                "removed_actions": r.removed,
                "kept_actions": r.kept,
                "riskiest_removed": r.removed_listed,
                "changes": r.changes,
                "verified": r.verified.is_some(),
            })
        })
        .collect();
    Value::Array(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting_survives_every_quote() {
        assert_eq!(sh_quote("a'b"), r"'a'\''b'");
        assert_eq!(sh_quote("$(id)"), "'$(id)'");
        assert_eq!(sh_quote("a\nb\0"), r"'a\x0Ab\x00'");
    }

    #[test]
    fn hcl_keeps_policy_variables_literal() {
        assert_eq!(
            hcl_string("arn:aws:s3:::b/${aws:username}/*"),
            "\"arn:aws:s3:::b/$${aws:username}/*\""
        );
        assert_eq!(hcl_string("%{x}\"\\\n"), "\"%%{x}\\\"\\\\\\n\"");
        assert_eq!(hcl_string("$x%y"), "\"$x%y\"");
    }

    #[test]
    fn terraform_identifiers_are_valid() {
        assert_eq!(tf_ident("9lives"), "p_9lives");
        assert_eq!(tf_ident("a.b@c"), "a_b_c");
    }

    #[test]
    fn replacement_names_fit_iam() {
        assert_eq!(replacement_name("ReadOnlyAccess"), "ReadOnlyAccess-refined");
        assert_eq!(replacement_name(&"x".repeat(200)).len(), 128);
    }
}
