//! The generation plan: every file, its time window, event count, seed and planted scenarios,
//! decided sequentially (so output does not depend on thread scheduling).

use serde_json::{Value, json};

use crate::cast::{self, Account};
use crate::event::Fail;
use crate::util::*;

pub const REGIONS: [&str; 16] = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
    "us-east-2",
    "ap-northeast-1",
    "eu-west-2",
    "ca-central-1",
    "sa-east-1",
    "ap-south-1",
    "eu-north-1",
    "ap-southeast-1",
    "us-west-1",
    "eu-west-3",
    "ap-northeast-2",
];

#[derive(Clone, Copy, Debug)]
pub enum Script {
    /// Root console login (no MFA) followed by two API calls.
    Root,
    /// Failed console logins for an unknown user, then a success without MFA.
    FailedLogins,
    /// A long-term access key used from a new IP for recon and persistence.
    Incident,
    /// Routine morning sign-ins (not listed in `planted`): alice.admin with MFA, bob.dev
    /// without, an IAM Identity Center (AWSReservedSSO) console session, and a SAML federation.
    DailyLogins,
}

pub struct LogFile {
    pub acct: usize,
    pub region: usize,
    /// Event window [t0, t1).
    pub t0: i64,
    pub t1: i64,
    pub deliver: i64,
    pub n: u64,
    pub seed: u64,
    pub dup_from: Option<usize>,
    pub dup_n: u64,
    pub scripts: Vec<Script>,
    pub key: String,
}

/// A digest: the log files of one account and region delivered in `[start, t)`, as
/// CloudTrail names them (every period of a stream gets one, even an empty one).
pub struct Digest {
    pub acct: usize,
    pub files: Vec<usize>,
    pub start: i64,
    pub t: i64,
    pub key: String,
    pub prev: Option<usize>,
}

pub struct Insight {
    pub acct: usize,
    pub region: usize,
    pub t: i64,
    pub key: String,
}

pub struct Plan {
    pub org: String,
    pub bucket: String,
    pub accounts: Vec<Account>,
    pub regions: Vec<&'static str>,
    pub logs: Vec<LogFile>,
    pub digests: Vec<Digest>,
    pub insights: Vec<Insight>,
    pub planted: Vec<Value>,
}

pub fn script_len(s: Script) -> u64 {
    match s {
        Script::Root => 3,
        Script::FailedLogins => 5,
        Script::Incident => 9,
        Script::DailyLogins => 4,
    }
}

pub fn object_key(
    org: &str,
    acct: &str,
    kind: &str,
    region: &str,
    t: i64,
    suffix: &str,
    secs: bool,
) -> String {
    let mut k = format!("AWSLogs/{org}/{acct}/{kind}/{region}/");
    push_date_path(&mut k, t);
    k.push('/');
    k.push_str(acct);
    k.push('_');
    k.push_str(kind);
    k.push('_');
    k.push_str(region);
    k.push('_');
    k.push_str(suffix);
    push_compact_time(&mut k, t, secs);
    k
}

pub fn build_plan(
    seed: u64,
    n_accounts: usize,
    n_regions: usize,
    start_day: i64,
    days: u64,
    epd: u64,
    epf: u64,
) -> Plan {
    let mut rng = Rng::new(mix(seed, 1));
    let org = rand_str(&mut rng, push_hex, "o-", 10);
    let ids: Vec<String> = (0..n_accounts)
        .map(|_| cast::account_id(&mut rng))
        .collect();
    let third_party = cast::account_id(&mut rng);
    let accounts: Vec<Account> = (0..n_accounts)
        .map(|i| {
            let ext = if i == 0 {
                third_party.clone()
            } else {
                ids[0].clone()
            };
            cast::build_account(seed, i, ids[i].clone(), ext, &ids[0])
        })
        .collect();
    let regions: Vec<&str> = REGIONS[..n_regions].to_vec();
    let acct_w: Vec<u64> = (0..n_accounts).map(|_| rng.range(70, 130)).collect();
    let region_w: Vec<u64> = (0..n_regions)
        .map(|r| if r == 0 { 300 } else { 100 + 50 / r as u64 })
        .collect();
    let day_w: Vec<u64> = (0..days as i64)
        .map(|d| {
            if (start_day + d + 4).rem_euclid(7) % 6 == 0 {
                60
            } else {
                100
            }
        })
        .collect();
    let (sa, sr, sd) = (
        acct_w.iter().sum::<u64>(),
        region_w.iter().sum::<u64>(),
        day_w.iter().sum::<u64>(),
    );
    let mut plan = Plan {
        bucket: format!("org-cloudtrail-{}", ids[0]),
        org,
        regions,
        logs: Vec::new(),
        digests: Vec::new(),
        insights: Vec::new(),
        planted: Vec::new(),
        accounts,
    };
    for d in 0..days {
        let day0 = (start_day + d as i64) * 86_400;
        for (a, &aw) in acct_w.iter().enumerate() {
            for (r, &rw) in region_w.iter().enumerate() {
                // u128: epd * days * weights can exceed u64 for absurd arguments.
                let g =
                    (u128::from(epd) * u128::from(days) * u128::from(day_w[d as usize] * aw * rw)
                        / u128::from(sd * sa * sr)) as u64;
                let g = g.max(1);
                let spill = g >= 20 && rng.chance(3333);
                let spill_n = if spill { (g / 50).max(1) } else { 0 };
                let regular = g - spill_n;
                let nf = (regular + epf / 2) / epf;
                let nf = nf.clamp(1, regular);
                let ws: Vec<u64> = (0..nf).map(|_| rng.range(80, 120)).collect();
                let sw: u64 = ws.iter().sum();
                let first = plan.logs.len();
                let mut given = 0;
                let span = 86_100 / nf as i64;
                for (i, &w) in ws.iter().enumerate() {
                    let n = if i + 1 == nf as usize {
                        regular - given
                    } else {
                        // At least one record per file; the last one takes the remainder (>= 1).
                        1 + (regular - nf) * w / sw
                    };
                    given += n;
                    let t0 = day0 + i as i64 * span;
                    let t1 = if i + 1 == nf as usize {
                        day0 + 86_100
                    } else {
                        t0 + span
                    };
                    let deliver = (t1 + rng.range(30, 240) as i64).min(day0 + 86_399);
                    plan.logs.push(LogFile {
                        acct: a,
                        region: r,
                        t0,
                        t1,
                        deliver,
                        n,
                        seed: 0,
                        dup_from: None,
                        dup_n: 0,
                        scripts: Vec::new(),
                        key: String::new(),
                    });
                }
                if spill {
                    let deliver = day0 + 86_400 + rng.range(60, 300) as i64;
                    plan.logs.push(LogFile {
                        acct: a,
                        region: r,
                        t0: day0 + 86_100,
                        t1: day0 + 86_400,
                        deliver,
                        n: spill_n,
                        seed: 0,
                        dup_from: None,
                        dup_n: 0,
                        scripts: Vec::new(),
                        key: String::new(),
                    });
                }
                let last = plan.logs.len();
                for f in first..last {
                    let prev_regular = f > first && plan.logs[f].t1 - plan.logs[f].t0 > 300;
                    if prev_regular && rng.chance(2500) {
                        let pn = plan.logs[f - 1].n;
                        plan.logs[f].dup_from = Some(f - 1);
                        plan.logs[f].dup_n = (pn.div_ceil(50)).min(pn);
                    }
                    plan.logs[f].seed = rng.next_u64();
                    let mut tail = String::new();
                    push_alnum(&mut tail, &mut rng, 16);
                    let acct = &plan.accounts[a].id;
                    let mut k = object_key(
                        &plan.org,
                        acct,
                        "CloudTrail",
                        plan.regions[r],
                        plan.logs[f].deliver,
                        "",
                        false,
                    );
                    k.push('_');
                    k.push_str(&tail);
                    k.push_str(".json.gz");
                    plan.logs[f].key = k;
                }
                // Planted scenarios, in us-east-1 (global services), in regular files.
                if r == 0 {
                    let morning = first + (nf as usize - 1) * 8 / 24;
                    plan.logs[morning].scripts.push(Script::DailyLogins);
                    let mid = first + (nf as usize - 1) / 2;
                    let date = {
                        let mut s = String::new();
                        push_time(&mut s, day0);
                        s[..10].to_string()
                    };
                    let acct_id = plan.accounts[a].id.clone();
                    let plant = |s: Script, f: usize, plan: &mut Plan| {
                        plan.logs[f].scripts.push(s);
                        plan.planted.push(json!({
                            "scenario": format!("{s:?}"), "account": acct_id, "date": date,
                            "events": script_len(s), "file": plan.logs[f].key,
                        }));
                    };
                    if d == (a as u64 * 3 + 1) % days {
                        plant(Script::Root, first + (nf as usize - 1) / 4, &mut plan);
                    }
                    if d == (a as u64 * 3 + 2) % days {
                        plant(
                            Script::FailedLogins,
                            first + (nf as usize - 1) * 2 / 3,
                            &mut plan,
                        );
                    }
                    if a == 0 && d == days / 2 {
                        plant(Script::Incident, mid, &mut plan);
                    }
                }
                // The draws of the digest times of earlier versions, kept so that the log
                // files (their names and seeds come later from the same stream) stay the same.
                let half = first + (last - first).div_ceil(2);
                for files in [first..half, half..last] {
                    if !files.is_empty() {
                        let _ = rng.range(600, 1200);
                    }
                }
            }
            // One Insights file per account per day.
            let r = (d as usize + a) % n_regions;
            let t = day0 + rng.range(10 * 3600, 20 * 3600) as i64;
            let mut key = object_key(
                &plan.org,
                &plan.accounts[a].id,
                "CloudTrail-Insight",
                plan.regions[r],
                t,
                "",
                false,
            );
            key.push('_');
            push_alnum(&mut key, &mut rng, 16);
            key.push_str(".json.gz");
            plan.insights.push(Insight {
                acct: a,
                region: r,
                t,
                key,
            });
        }
    }
    plan_digests(&mut plan, start_day);
    plan
}

/// Seconds between digests of a stream (CloudTrail writes one an hour; two a day keep the
/// corpus small while exercising the same chain).
pub const DIGEST_PERIOD: i64 = 43_200;

/// The digests of every account and region: consecutive periods of [`DIGEST_PERIOD`] ending
/// 15 minutes past each half day, from the one holding the first delivery to the one holding
/// the last; each names the files delivered in it and links to the one before.
fn plan_digests(plan: &mut Plan, start_day: i64) {
    let n_regions = plan.regions.len();
    let mut by_slot: Vec<Vec<usize>> = vec![Vec::new(); plan.accounts.len() * n_regions];
    for (i, l) in plan.logs.iter().enumerate() {
        by_slot[l.acct * n_regions + l.region].push(i);
    }
    let base = start_day * 86_400 + 900;
    for (slot, files) in by_slot.into_iter().enumerate() {
        let (a, r) = (slot / n_regions, slot % n_regions);
        let Some(last) = files.iter().map(|&f| plan.logs[f].deliver).max() else {
            continue;
        };
        let first = files
            .iter()
            .map(|&f| plan.logs[f].deliver)
            .min()
            .unwrap_or(base);
        let mut k = (first - base).div_euclid(DIGEST_PERIOD) + 1;
        let mut prev = None;
        loop {
            let t = base + k * DIGEST_PERIOD;
            let start = t - DIGEST_PERIOD;
            if start > last {
                break;
            }
            let named: Vec<usize> = files
                .iter()
                .copied()
                .filter(|&f| (start..t).contains(&plan.logs[f].deliver))
                .collect();
            let key = object_key(
                &plan.org,
                &plan.accounts[a].id,
                "CloudTrail-Digest",
                plan.regions[r],
                t,
                &format!("org-trail_{}_", plan.regions[0]),
                true,
            ) + ".json.gz";
            plan.digests.push(Digest {
                acct: a,
                files: named,
                start,
                t,
                key,
                prev,
            });
            prev = Some(plan.digests.len() - 1);
            k += 1;
        }
    }
}

/// Scripted event `k` of scenario `s`: (principal label, api, failure, overrides).
pub fn scripted(s: Script, k: usize) -> (&'static str, &'static str, Option<Fail>) {
    match s {
        Script::Root => [
            ("root", "signin:ConsoleLogin", None),
            ("root", "s3:ListBuckets", None),
            ("root", "iam:GetAccountSummary", None),
        ][k],
        Script::FailedLogins if k < 4 => ("bob.dev", "signin:ConsoleLogin", Some(Fail::Denied)),
        Script::FailedLogins => ("bob.dev", "signin:ConsoleLogin", None),
        Script::DailyLogins => [
            ("alice.admin", "signin:ConsoleLogin", None),
            ("bob.dev", "signin:ConsoleLogin", None),
            (
                "AWSReservedSSO_AdministratorAccess",
                "signin:ConsoleLogin",
                None,
            ),
            ("carol@example.com", "sts:AssumeRoleWithSAML", None),
        ][k],
        Script::Incident => [
            ("legacy-backup", "sts:GetCallerIdentity", None),
            ("legacy-backup", "iam:ListUsers", None),
            ("legacy-backup", "iam:ListAttachedUserPolicies", None),
            ("legacy-backup", "ec2:DescribeInstances", Some(Fail::Denied)),
            ("legacy-backup", "s3:ListBuckets", None),
            ("legacy-backup", "iam:CreateUser", None),
            ("legacy-backup", "iam:CreateAccessKey", None),
            ("legacy-backup", "iam:AttachUserPolicy", None),
            (
                "legacy-backup",
                "cloudtrail:StopLogging",
                Some(Fail::Denied),
            ),
        ][k],
    }
}
