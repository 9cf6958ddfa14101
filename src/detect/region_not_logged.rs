//! Regions an account has no CloudTrail logs from while the other accounts of the run have:
//! from `coverage.parquet`'s cells ([`Coverage`]). A multi-region organization trail writes
//! every enabled region of every member account, so a hole in one account's set of regions is a
//! region not enabled there, an account outside the trail, or logs removed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::rule_info;
use crate::coverage::Coverage;
use crate::finding::{Partial, Seed, Severity};

rule_info! {
    id: "region-not-logged",
    anti_pattern: "beyond",
    severity: Low,
    title: "An account has no logs from regions the other accounts log",
    inputs: [Cloudtrail],
    what: "An account with CloudTrail events in some regions and none, over the whole run, in regions where other accounts of the run have events. A note, not proof: the region may be an opt-in region not enabled in that account.",
    why: "What is not logged cannot be investigated: an intruder who works in a region the trail misses (an account trail that is not multi-region, an account outside the organization trail, a region whose logs were removed) leaves no trace there.",
    fix: "Check the trails that cover the account (`trailguard trails`): make the trail multi-region and the organization trail cover every account; if the region is unused, disable it or deny it with an SCP (`aws:RequestedRegion`), so that nobody can work there unseen.",
}

/// The partition a region belongs to, from its name.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso") {
        "aws-iso"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else {
        "aws"
    }
}

/// One note per account, naming the regions missing from its logs.
pub fn find(coverage: &Coverage) -> Vec<Partial> {
    let mut by_account: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (account, region) in coverage.logged() {
        by_account.entry(account).or_default().insert(region);
    }
    let mut out = Vec::new();
    if by_account.len() < 2 {
        return out;
    }
    for (account, regions) in &by_account {
        // Only the regions of the partitions the account logs in (an `aws` account cannot log
        // `cn-north-1`), as the other accounts log them.
        let partitions: BTreeSet<&str> = regions.iter().map(|r| partition(r)).collect();
        let all: BTreeSet<&str> = by_account
            .iter()
            .filter(|(a, _)| a != &account)
            .flat_map(|(_, rs)| rs.iter().copied())
            .chain(regions.iter().copied())
            .filter(|r| partitions.contains(partition(r)))
            .collect();
        let missing: Vec<&str> = all.difference(regions).copied().collect();
        if missing.is_empty() {
            continue;
        }
        let mut p = Partial::new(
            &INFO,
            Arc::from(*account),
            Seed {
                severity: Severity::Low,
                title: format!(
                    "No CloudTrail logs from {account} in {} (other accounts log {} region(s); {account} logs {})",
                    missing.join(", "),
                    all.len(),
                    regions.len()
                ),
                account: account.to_string(),
                principal: format!("trail logs of {account}"),
                principal_type: "LogStream".into(),
                access_key_id: None,
                target: None,
                remediation: INFO.fix.into(),
            },
        );
        p.count = missing.len() as u64;
        p.unit = "regions";
        for r in &missing {
            p.evidence("regions_not_logged", r);
            p.regions.insert((*r).to_string());
        }
        for r in regions.iter() {
            p.evidence("regions_logged", r);
        }
        out.push(p);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::Cell;

    fn cov(cells: &[(&str, &str, u64)]) -> Coverage {
        let mut c = Coverage::default();
        for (i, (a, r, events)) in cells.iter().enumerate() {
            c.add_cell(
                Some(a),
                Some(r),
                Some(i as i64 * 3_600_000),
                Cell {
                    objects: 1,
                    events: *events,
                    ..Default::default()
                },
            );
        }
        c
    }

    #[test]
    fn names_the_regions_one_account_lacks() {
        let c = cov(&[
            ("111111111111", "us-east-1", 5),
            ("111111111111", "eu-west-1", 5),
            ("222222222222", "us-east-1", 5),
            ("222222222222", "eu-west-1", 0),
            ("333333333333", "unknown", 5),
            // Another partition's account: its regions are not expected of the others.
            ("444444444444", "cn-north-1", 5),
        ]);
        let f = find(&c);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].account, "222222222222");
        assert_eq!(f[0].evidence_text("regions_not_logged"), ["eu-west-1"]);
        // Every account logs the same regions, or there is one account: nothing to say.
        assert!(
            find(&cov(&[
                ("111111111111", "us-east-1", 1),
                ("222222222222", "us-east-1", 1)
            ]))
            .is_empty()
        );
        assert!(find(&cov(&[("111111111111", "us-east-1", 1)])).is_empty());
    }
}
