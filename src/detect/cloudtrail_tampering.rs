//! Changes that stop or reduce CloudTrail logging.

use super::util::{field, principal, ptype};
use super::{EventCtx, Hits, Seed, Severity, rule_info};
use crate::event::Event;
use simd_json::prelude::*;

rule_info! {
    id: "cloudtrail-tampering",
    anti_pattern: "beyond",
    severity: Critical,
    title: "CloudTrail logging stopped or reduced",
    inputs: [Cloudtrail],
    what: "`StopLogging`, `DeleteTrail`, and `UpdateTrail` / `PutEventSelectors` calls that reduce what is logged (single-region, no global events, no log validation, management events excluded or write-only). CloudTrail Lake `StopEventDataStoreIngestion` and `DeleteEventDataStore` too. Failed attempts are reported at lower severity.",
    why: "Attackers turn off logging first. Every later action is invisible once a trail stops.",
    fix: "Restart logging (`aws cloudtrail start-logging`) and restore the trail's settings; find out who made the change and why. Deny these actions with an SCP for everyone but a break-glass role.",
}

fn reductions(e: &Event<'_, '_>) -> Vec<&'static str> {
    let mut r = Vec::new();
    let Some(p) = e.request_parameters else {
        return r;
    };
    match e.event_name {
        Some("UpdateTrail") => {
            if p.get("isMultiRegionTrail").and_then(|v| v.as_bool()) == Some(false) {
                r.push("made single-region");
            }
            if p.get("includeGlobalServiceEvents")
                .and_then(|v| v.as_bool())
                == Some(false)
            {
                r.push("excluded global service events");
            }
            if p.get("enableLogFileValidation").and_then(|v| v.as_bool()) == Some(false) {
                r.push("disabled log file validation");
            }
            if p.get("s3BucketName").is_some() {
                r.push("changed the destination bucket");
            }
            if p.get("kmsKeyId").and_then(|v| v.into_string()) == Some("") {
                r.push("removed KMS encryption");
            }
        }
        Some("PutEventSelectors") => {
            if let Some(sels) = p.get("eventSelectors").and_then(|v| v.as_array()) {
                if sels.is_empty() {
                    r.push("removed all event selectors");
                }
                for s in sels.iter() {
                    if s.get("includeManagementEvents").and_then(|v| v.as_bool()) == Some(false) {
                        r.push("excluded management events");
                    }
                    if matches!(
                        s.get("readWriteType").and_then(|v| v.into_string()),
                        Some("ReadOnly")
                    ) {
                        r.push("logs read-only events only");
                    }
                    if s.get("excludeManagementEventSources")
                        .and_then(|v| v.as_array())
                        .is_some_and(|a| !a.is_empty())
                    {
                        r.push("excluded management event sources");
                    }
                }
            }
            if let Some(adv) = p.get("advancedEventSelectors").and_then(|v| v.as_array()) {
                let any_mgmt = adv.iter().any(|s| {
                    s.get("fieldSelectors")
                        .and_then(|f| f.as_array())
                        .is_some_and(|fs| {
                            fs.iter().any(|f| {
                                f.get("field").and_then(|x| x.into_string())
                                    == Some("eventCategory")
                                    && f.get("equals").and_then(|x| x.as_array()).is_some_and(|a| {
                                        a.iter().any(|v| v.as_str() == Some("Management"))
                                    })
                            })
                        })
                });
                if !any_mgmt {
                    r.push("advanced selectors log no management events");
                }
            }
        }
        _ => {}
    }
    r
}

/// The check.
pub fn check(e: &Event<'_, '_>, ctx: &EventCtx<'_>, hits: &mut Hits) {
    if e.event_source != Some("cloudtrail.amazonaws.com") {
        return;
    }
    let name = match e.event_name {
        Some(
            n @ ("StopLogging"
            | "DeleteTrail"
            | "StopEventDataStoreIngestion"
            | "DeleteEventDataStore"),
        ) => n,
        Some(n @ ("UpdateTrail" | "PutEventSelectors")) => n,
        _ => return,
    };
    let reduced = reductions(e);
    if matches!(name, "UpdateTrail" | "PutEventSelectors") && reduced.is_empty() {
        return;
    }
    let trail = field(e.request_parameters, "name")
        .or_else(|| field(e.request_parameters, "trailName"))
        .or_else(|| field(e.request_parameters, "eventDataStore"))
        .unwrap_or("unknown");
    let failed = e.error_code.is_some();
    let p = principal(e);
    let account = ctx.account;
    let group = format!("{p}|{name}|{trail}|failed={failed}");
    let h = hits.hit(&INFO, &group, e, ctx.region, || Seed {
        severity: if failed {
            Severity::Medium
        } else if matches!(name, "StopLogging" | "DeleteTrail" | "StopEventDataStoreIngestion" | "DeleteEventDataStore") {
            Severity::Critical
        } else {
            Severity::High
        },
        title: format!(
            "{}{name} on trail {trail} in {account}",
            if failed { "Attempted " } else { "" }
        ),
        account: account.to_string(),
        principal: p.clone(),
        principal_type: ptype(e),
        access_key_id: e.user_identity.and_then(|u| u.access_key_id).map(str::to_string),
        target: Some(format!(
            "{trail}: {name}{}",
            if failed { " (failed)" } else { "" }
        )),
        remediation: format!(
            "Restore logging on {trail} (start-logging / previous selectors) and find out why {p} changed it; deny cloudtrail:{name} with an SCP outside break-glass."
        ),
    });
    h.evidence("trail", trail).evidence("action", name);
    for r in reduced {
        h.evidence("reductions", r);
    }
    if let Some(c) = e.error_code {
        h.evidence("error_code", c);
    }
}
