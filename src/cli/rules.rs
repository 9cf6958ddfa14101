//! `trailguard rules [ID] [--json]`: the rules with what they find, why it matters, how to fix
//! it and what they read.

use crate::detect::all_rules;
use crate::outcome::EXIT_OK;
use anyhow::bail;

/// Prints every rule, or the one `id` names; an unknown ID is an error naming the rules.
pub fn run(id: Option<&str>, json: bool) -> anyhow::Result<i32> {
    let rules = all_rules();
    let integrity = crate::integrity::findings::RULES;
    let mut infos: Vec<&crate::finding::RuleInfo> = rules
        .iter()
        .map(|r| r.info)
        .chain(integrity.iter().copied())
        .collect();
    if let Some(id) = id {
        let known: Vec<&str> = infos.iter().map(|i| i.id).collect();
        infos.retain(|i| i.id == id);
        if infos.is_empty() {
            bail!(
                "no rule `{}` (rules: {})",
                crate::text::escape(id),
                known.join(", ")
            );
        }
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&infos)?);
    } else {
        for i in infos {
            println!(
                "{} [{}; anti-pattern {}]\n  {}",
                i.id,
                i.severity.as_str(),
                i.anti_pattern,
                i.title
            );
            println!("  What: {}\n  Why:  {}\n  Fix:  {}", i.what, i.why, i.fix);
            let needs: Vec<&str> = i
                .inputs
                .iter()
                .map(|x| match x {
                    crate::finding::Input::Cloudtrail => "CloudTrail (SOURCE or --trail)",
                    crate::finding::Input::IamDetails => {
                        "--iam-details (aws iam get-account-authorization-details)"
                    }
                    crate::finding::Input::CredentialReport => {
                        "--credential-report (aws iam get-credential-report)"
                    }
                })
                .collect();
            println!("  Reads: {}\n", needs.join(", "));
        }
    }
    Ok(EXIT_OK)
}
