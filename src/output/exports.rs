//! Findings in the formats security teams ingest:
//!
//! * `findings.ocsf.jsonl`: OCSF 1.1.0 Detection Finding (class 2004) with the `cloud` profile,
//!   one per line, for Amazon Security Lake custom sources and SIEMs;
//! * `asff/batch-NNNN.json`: AWS Security Finding Format, 100 findings per file, each file a
//!   `BatchImportFindings` request (`aws securityhub batch-import-findings --cli-input-json
//!   file://out/asff/batch-0001.json`).
//!
//! Both carry the finding's stable ID (OCSF `finding_info.uid`, ASFF `Id`), so a re-import
//! updates a finding rather than adding one. The mappings are in the README ("Formats") and are
//! checked in CI against the published schemas (`tests/tools/validate_findings.py`).

use super::findings::Finding;
use crate::finding::Severity;
use crate::time::parse_event_time;
use serde_json::{Map, Value, json};
use std::path::Path;

/// The OCSF version written.
pub const OCSF_VERSION: &str = "1.1.0";
/// Findings per ASFF file (`BatchImportFindings` takes at most 100).
pub const ASFF_BATCH: usize = 100;

fn ocsf_severity(s: Severity) -> (u8, &'static str) {
    match s {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

fn partition(principal: &str) -> &str {
    crate::iam::arn::Arn::parse(principal).map_or("aws", |a| a.partition)
}

fn ms(t: &Option<String>) -> Option<i64> {
    t.as_deref().and_then(parse_event_time)
}

fn account_obj(account: &str) -> Value {
    json!({"uid": account, "type_id": 10, "type": "AWS Account"})
}

/// OCSF `user.type_id` and caption for a CloudTrail principal type.
fn user_type(principal_type: &str) -> (u8, &'static str) {
    match principal_type {
        "Root" => (2, "Admin"),
        "IAMUser" | "AssumedRole" | "FederatedUser" | "IdentityCenterUser" => (1, "User"),
        "AWSService" => (3, "System"),
        _ => (99, "Other"),
    }
}

/// One finding as an OCSF Detection Finding; `now` (epoch ms) for a finding with no time.
pub fn ocsf(f: &Finding, now: i64) -> Value {
    let (sev_id, sev) = ocsf_severity(f.severity);
    let first = ms(&f.first_seen);
    let last = ms(&f.last_seen);
    let (type_id, type_caption) = user_type(&f.principal_type);
    let mut user = json!({
        "uid": f.principal,
        "name": f.principal.rsplit(['/', ':']).next().unwrap_or(&f.principal),
        "type_id": type_id,
        "type": if type_id == 99 { f.principal_type.as_str() } else { type_caption },
        "account": account_obj(&f.account),
    });
    if let Some(k) = &f.access_key_id {
        user["credential_uid"] = json!(k);
    }
    let mut evidences: Vec<Value> = Vec::new();
    let mut first_ev = json!({"actor": {"user": user.clone()}});
    if !f.evidence.is_empty() {
        first_ev["data"] = json!(f.evidence);
    }
    if let Some(ip) = f.source_ips.first() {
        first_ev["src_endpoint"] = json!({"ip": ip});
    }
    evidences.push(first_ev);
    for ip in f.source_ips.iter().skip(1).take(9) {
        evidences.push(json!({"actor": {"user": user.clone()}, "src_endpoint": {"ip": ip}}));
    }
    let mut finding_info = json!({
        "uid": f.id,
        "title": f.title,
        "desc": description(f),
        "types": [format!("anti-pattern:{}", f.anti_pattern)],
        "analytic": {"uid": f.rule, "name": f.rule, "type_id": 1, "type": "Rule"},
        "data_sources": ["AWS CloudTrail"],
    });
    if let Some(t) = first {
        finding_info["first_seen_time"] = json!(t);
    }
    if let Some(t) = last {
        finding_info["last_seen_time"] = json!(t);
    }
    if !f.event_ids.is_empty() {
        finding_info["related_events"] =
            Value::Array(f.event_ids.iter().map(|id| json!({"uid": id})).collect());
    }
    let mut cloud = json!({"provider": "AWS", "account": account_obj(&f.account)});
    if let [r] = f.regions.as_slice() {
        cloud["region"] = json!(r);
    }
    let mut unmapped = Map::new();
    for (k, v) in [
        ("rule", Some(f.rule.clone())),
        ("anti_pattern", Some(f.anti_pattern.clone())),
        ("principal_type", Some(f.principal_type.clone())),
        ("target", f.target.clone()),
        ("count_unit", Some(f.count_unit.clone())),
        ("regions", Some(f.regions.join(","))),
        (
            "event_ids_truncated",
            Some(f.event_ids_truncated.to_string()),
        ),
    ] {
        if let Some(v) = v {
            unmapped.insert(k.into(), json!(v));
        }
    }
    let mut v = json!({
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": 1,
        "activity_name": "Create",
        "type_uid": 200401,
        "type_name": "Detection Finding: Create",
        "severity_id": sev_id,
        "severity": sev,
        "status_id": 1,
        "status": "New",
        "time": last.unwrap_or(now),
        "message": f.title,
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud"],
            "product": {"name": "trailguard", "vendor_name": "trailguard",
                        "version": env!("CARGO_PKG_VERSION")},
        },
        "cloud": cloud,
        "finding_info": finding_info,
        "resources": [{
            "uid": f.principal,
            "type": resource_type(&f.principal_type),
            "cloud_partition": partition(&f.principal),
            "owner": {"uid": f.principal, "account": account_obj(&f.account)},
        }],
        "evidences": evidences,
        "remediation": {"desc": f.remediation},
        "unmapped": unmapped,
    });
    if f.count > 0 {
        v["count"] = json!(f.count);
    }
    if let (Some(a), Some(b)) = (first, last) {
        v["start_time"] = json!(a);
        v["end_time"] = json!(b);
    }
    v
}

fn resource_type(principal_type: &str) -> &'static str {
    match principal_type {
        "Root" | "ExternalAccount" => "AwsAccount",
        "IAMUser" => "AwsIamUser",
        "AssumedRole" | "Role" => "AwsIamRole",
        "ManagedPolicy" => "AwsIamPolicy",
        _ => "Other",
    }
}

/// A sentence for OCSF `desc` and ASFF `Description`: title, count, times, IPs, regions, rule.
fn description(f: &Finding) -> String {
    let mut d = f.title.clone();
    if f.count > 0 {
        d.push_str(&format!(": {} {}", f.count, f.count_unit));
    }
    if let (Some(a), Some(b)) = (&f.first_seen, &f.last_seen) {
        d.push_str(&format!(" from {a} to {b}"));
    }
    if !f.source_ips.is_empty() {
        let ips: Vec<&str> = f.source_ips.iter().take(5).map(String::as_str).collect();
        d.push_str(&format!(", source IPs {}", ips.join(", ")));
    }
    if !f.regions.is_empty() {
        d.push_str(&format!(" in {}", f.regions.join(", ")));
    }
    d.push_str(&format!(
        " (trailguard rule {}, anti-pattern {}).",
        f.rule, f.anti_pattern
    ));
    cut(&d, 1024)
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// `Types` for a rule: the ASFF taxonomy's namespace and category.
fn asff_types(f: &Finding) -> Vec<String> {
    let r = f.rule.as_str();
    let ns = match r {
        "cloudtrail-tampering"
        | "logging-gap"
        | "region-not-logged"
        | "implausible-event-time"
        | "log-file-modified"
        | "log-file-deleted"
        | "log-file-not-in-digest"
        | "digest-invalid"
        | "digest-chain-gap"
        | "log-validation-disabled" => "TTPs/Defense Evasion",
        "root-console-login"
        | "root-console-login-failed"
        | "root-api-call"
        | "console-login-without-mfa"
        | "long-term-key-without-mfa"
        | "cross-account-access" => "Unusual Behaviors/User",
        "public-resource-policy" => "Effects/Data Exposure",
        _ => "Software and Configuration Checks/AWS Security Best Practices",
    };
    vec![format!("{ns}/{r}")]
}

/// The ASFF `Resources` of a finding: the principal, and its target when that is an ARN.
fn asff_resources(f: &Finding) -> Vec<Value> {
    let part = partition(&f.principal);
    let region = f.regions.first().map_or("us-east-1", String::as_str);
    let mut out = Vec::new();
    let principal = match f.principal_type.as_str() {
        "Root" | "ExternalAccount" => {
            let acct =
                crate::iam::arn::Arn::parse(&f.principal).map_or(f.account.as_str(), |a| a.account);
            json!({"Type": "AwsAccount", "Id": format!("AWS::::Account:{acct}")})
        }
        "IAMUser" => json!({"Type": "AwsIamUser", "Id": f.principal,
            "Details": {"AwsIamUser": {"UserName": f.principal.rsplit('/').next().unwrap_or("")}}}),
        "AssumedRole" => {
            // arn:aws:sts::1:assumed-role/NAME/session -> the role.
            let role = f
                .principal
                .split_once(":assumed-role/")
                .map(|(head, rest)| {
                    format!(
                        "{}:role/{}",
                        head.replacen(":sts:", ":iam:", 1),
                        rest.split('/').next().unwrap_or(rest)
                    )
                })
                .unwrap_or_else(|| f.principal.clone());
            json!({"Type": "AwsIamRole", "Id": role})
        }
        "Role" => json!({"Type": "AwsIamRole", "Id": f.principal}),
        "ManagedPolicy" => json!({"Type": "AwsIamPolicy", "Id": f.principal}),
        _ => json!({"Type": "Other", "Id": cut(&f.principal, 512)}),
    };
    out.push(principal);
    if let Some(k) = &f.access_key_id {
        out.push(json!({"Type": "AwsIamAccessKey", "Id": format!("AWS::IAM::AccessKey:{k}")}));
    }
    if let Some(t) = f.target.as_deref().filter(|t| t.starts_with("arn:")) {
        let arn = t.split(": ").next().unwrap_or(t);
        let ty = if arn.contains(":s3:::") {
            "AwsS3Bucket"
        } else if arn.contains(":cloudtrail:") {
            "AwsCloudTrailTrail"
        } else if arn.contains(":role/") {
            "AwsIamRole"
        } else {
            "Other"
        };
        if !out.iter().any(|r| r["Id"] == arn) {
            out.push(json!({"Type": ty, "Id": cut(arn, 512)}));
        }
    }
    for r in &mut out {
        // Names come from the logs: the schema takes at most 512 characters.
        if let Some(id) = r["Id"].as_str().filter(|i| i.chars().count() > 512) {
            r["Id"] = json!(cut(id, 512));
        }
        r["Partition"] = json!(part);
        r["Region"] = json!(region);
    }
    out
}

/// One finding in ASFF; `now` (epoch ms) is the scan time (`UpdatedAt`).
pub fn asff(f: &Finding, now: i64) -> Value {
    let label = match f.severity {
        Severity::Info => "INFORMATIONAL",
        s => match s {
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            _ => "CRITICAL",
        },
    };
    let part = partition(&f.principal);
    let region = f.regions.first().map_or("us-east-1", String::as_str);
    let first = ms(&f.first_seen);
    let last = ms(&f.last_seen);
    let created = first.unwrap_or(now).min(now);
    let mut fields = Map::new();
    let mut put = |k: String, v: String| {
        if fields.len() < 50 && !v.is_empty() {
            fields.insert(k, json!(cut(&v, 2048)));
        }
    };
    put("trailguard/rule".into(), f.rule.clone());
    put("trailguard/anti_pattern".into(), f.anti_pattern.clone());
    put("trailguard/principal".into(), f.principal.clone());
    put("trailguard/principal_type".into(), f.principal_type.clone());
    put(
        "trailguard/target".into(),
        f.target.clone().unwrap_or_default(),
    );
    put("trailguard/count".into(), f.count.to_string());
    put("trailguard/count_unit".into(), f.count_unit.clone());
    put("trailguard/event_ids".into(), f.event_ids.join(","));
    put(
        "trailguard/event_ids_truncated".into(),
        f.event_ids_truncated.to_string(),
    );
    put("trailguard/source_ips".into(), f.source_ips.join(","));
    put("trailguard/regions".into(), f.regions.join(","));
    for (k, vs) in &f.evidence {
        let text: Vec<String> = vs.iter().map(|v| v.to_string()).collect();
        put(
            cut(&format!("trailguard/evidence/{k}"), 128),
            text.join(","),
        );
    }
    let sev = json!({"Label": label, "Original": f.severity.as_str()});
    let types = asff_types(f);
    let mut v = json!({
        "SchemaVersion": "2018-10-08",
        "Id": f.id,
        "ProductArn": format!("arn:{part}:securityhub:{region}:{0}:product/{0}/default", f.account),
        "GeneratorId": f.rule,
        "AwsAccountId": f.account,
        "Types": types,
        "CreatedAt": crate::time::format_ms(created),
        "UpdatedAt": crate::time::format_ms(now),
        "Severity": sev,
        "Title": cut(&f.title, 256),
        "Description": description(f),
        "Remediation": {"Recommendation": {"Text": cut(&f.remediation, 512)}},
        "ProductName": "trailguard",
        "CompanyName": "trailguard",
        "ProductFields": fields,
        "Resources": asff_resources(f),
        "RecordState": "ACTIVE",
        "FindingProviderFields": {"Severity": sev, "Types": types},
    });
    if let (Some(a), Some(b)) = (first, last) {
        v["FirstObservedAt"] = json!(crate::time::format_ms(a));
        v["LastObservedAt"] = json!(crate::time::format_ms(b));
    }
    v
}

/// Writes `findings.ocsf.jsonl` and `asff/batch-NNNN.json` (the `asff/` folder is written
/// afresh: files of an earlier, larger run are removed). Returns the output names.
pub fn write(out: &Path, findings: &[Finding], now: i64) -> anyhow::Result<Vec<String>> {
    let mut buf = Vec::new();
    for f in findings {
        serde_json::to_writer(&mut buf, &ocsf(f, now))?;
        buf.push(b'\n');
    }
    super::write_atomic(&out.join("findings.ocsf.jsonl"), &buf)?;
    let dir = out.join("asff");
    if let Ok(meta) = std::fs::symlink_metadata(&dir) {
        if meta.is_dir() {
            for e in std::fs::read_dir(&dir)? {
                let e = e?;
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name.starts_with("batch-") && name.ends_with(".json") {
                    std::fs::remove_file(e.path())?;
                }
            }
        } else {
            anyhow::bail!("{} exists and is not a folder", dir.display());
        }
    }
    let mut names = vec!["findings.ocsf.jsonl".to_string()];
    if !findings.is_empty() {
        std::fs::create_dir_all(&dir)?;
        for (i, chunk) in findings.chunks(ASFF_BATCH).enumerate() {
            let doc = json!({"Findings": chunk.iter().map(|f| asff(f, now)).collect::<Vec<_>>()});
            super::write_atomic(
                &dir.join(format!("batch-{:04}.json", i + 1)),
                &serde_json::to_vec_pretty(&doc)?,
            )?;
        }
        names.push("asff/".to_string());
    }
    Ok(names)
}
