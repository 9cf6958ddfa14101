//! `trailguard trails`: every trail the caller can see, what it records and whether it delivers
//! ([`report`]). Read-only calls only: `DescribeTrails` (with shadow trails, so that a
//! multi-region trail homed elsewhere is seen), `GetTrailStatus` and `GetEventSelectors`, each
//! trail asked in its home region.
//!
//! The selectors, basic or advanced, become a [`Coverage`]: which management events (read,
//! write, sources left out) and which data-event resource types the trail records.

use std::collections::BTreeMap;

use aws_sdk_cloudtrail::types::{AdvancedEventSelector, EventSelector, ReadWriteType};
use serde::Serialize;

use super::s3::S3Options;
use crate::error::SourceError;

/// What one trail records.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Management events recorded: `all`, `read-only`, `write-only` or `none`.
    pub management: String,
    /// Event sources left out of the management events (`kms.amazonaws.com`,
    /// `rdsdata.amazonaws.com`).
    pub excluded_management_sources: Vec<String>,
    /// Data events, by resource type (`AWS::S3::Object`): what the selectors say of them
    /// (`all`, or the ARN prefixes, and read/write when not both).
    pub data_events: BTreeMap<String, Vec<String>>,
    /// `basic`, `advanced` or `none` (no selector: CloudTrail's default, all management
    /// events).
    pub selectors: String,
}

/// One trail, as `trailguard trails` reports it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TrailReport {
    /// Name.
    pub name: String,
    /// ARN.
    pub arn: Option<String>,
    /// Home region.
    pub home_region: Option<String>,
    /// An organization trail.
    pub organization: bool,
    /// Records every region.
    pub multi_region: bool,
    /// Records global service events (IAM, STS sign-ins in us-east-1).
    pub global_service_events: bool,
    /// Delivery bucket.
    pub bucket: Option<String>,
    /// Key prefix (`""` when none).
    pub prefix: String,
    /// `s3://bucket/<prefix>AWSLogs/`: what `trailguard scan` reads for it.
    pub source: Option<String>,
    /// KMS key the logs are encrypted with.
    pub kms_key: Option<String>,
    /// Log file validation (digest files) on.
    pub log_file_validation: bool,
    /// Logging now (`None`: the status could not be read).
    pub logging: Option<bool>,
    /// Last delivery of a log file (RFC 3339).
    pub latest_delivery: Option<String>,
    /// Last delivery error (`AccessDenied` on the bucket, a KMS error...).
    pub latest_delivery_error: Option<String>,
    /// Last digest file delivery.
    pub latest_digest_delivery: Option<String>,
    /// Last digest delivery error.
    pub latest_digest_delivery_error: Option<String>,
    /// When logging last stopped (a `StopLogging`).
    pub stop_logging_time: Option<String>,
    /// What it records (`None`: the selectors could not be read).
    pub coverage: Option<Coverage>,
    /// Calls that failed for this trail: `Operation: error`.
    pub errors: Vec<String>,
    /// What a reviewer should look at: logging off, no validation, single region, delivery
    /// errors, no management events.
    pub warnings: Vec<String>,
}

fn rw(t: Option<&ReadWriteType>) -> &'static str {
    match t {
        Some(ReadWriteType::ReadOnly) => "read-only",
        Some(ReadWriteType::WriteOnly) => "write-only",
        _ => "all",
    }
}

/// Combines two management settings (`none` < `read-only`/`write-only` < `all`).
fn union_rw(a: &str, b: &str) -> String {
    match (a, b) {
        ("none", x) | (x, "none") => x.to_string(),
        (x, y) if x == y => x.to_string(),
        _ => "all".to_string(),
    }
}

/// The coverage of basic event selectors.
pub fn basic_coverage(selectors: &[EventSelector]) -> Coverage {
    let mut c = Coverage {
        management: "none".into(),
        selectors: "basic".into(),
        ..Default::default()
    };
    for s in selectors {
        let mode = rw(s.read_write_type());
        if s.include_management_events().unwrap_or(true) {
            c.management = union_rw(&c.management, mode);
            for src in s.exclude_management_event_sources() {
                if !c.excluded_management_sources.contains(src) {
                    c.excluded_management_sources.push(src.clone());
                }
            }
        }
        for d in s.data_resources() {
            let Some(t) = d.r#type() else { continue };
            let e = c.data_events.entry(t.to_string()).or_default();
            for v in d.values() {
                // `arn:aws:s3` (or `arn:aws:s3:::`) and `arn:aws:lambda` select every
                // resource of the type.
                let all = v.matches(':').count() <= 2 || v.ends_with(":::");
                let what = if all { "all".to_string() } else { v.clone() };
                let what = if mode == "all" {
                    what
                } else {
                    format!("{what} ({mode})")
                };
                if !e.contains(&what) {
                    e.push(what);
                }
            }
        }
    }
    c
}

fn field<'a>(
    s: &'a AdvancedEventSelector,
    name: &str,
) -> Option<&'a aws_sdk_cloudtrail::types::AdvancedFieldSelector> {
    s.field_selectors().iter().find(|f| f.field() == name)
}

/// The coverage of advanced event selectors.
pub fn advanced_coverage(selectors: &[AdvancedEventSelector]) -> Coverage {
    let mut c = Coverage {
        management: "none".into(),
        selectors: "advanced".into(),
        ..Default::default()
    };
    for s in selectors {
        let category = field(s, "eventCategory")
            .and_then(|f| f.equals().first())
            .map(String::as_str)
            .unwrap_or("");
        let mode = match field(s, "readOnly").and_then(|f| f.equals().first()) {
            Some(v) if v == "true" => "read-only",
            Some(v) if v == "false" => "write-only",
            _ => "all",
        };
        match category {
            "Management" => {
                c.management = union_rw(&c.management, mode);
                if let Some(f) = field(s, "eventSource") {
                    for src in f.not_equals() {
                        if !c.excluded_management_sources.contains(src) {
                            c.excluded_management_sources.push(src.clone());
                        }
                    }
                }
            }
            "Data" => {
                let types: Vec<String> = field(s, "resources.type")
                    .map(|f| f.equals().to_vec())
                    .unwrap_or_default();
                // What narrows it: the other field selectors, written `field op values`.
                let mut narrow: Vec<String> = Vec::new();
                for f in s.field_selectors() {
                    if matches!(f.field(), "eventCategory" | "resources.type" | "readOnly") {
                        continue;
                    }
                    for (op, v) in [
                        ("=", f.equals()),
                        ("starts with", f.starts_with()),
                        ("ends with", f.ends_with()),
                        ("!=", f.not_equals()),
                        ("not starts with", f.not_starts_with()),
                        ("not ends with", f.not_ends_with()),
                    ] {
                        if !v.is_empty() {
                            narrow.push(format!("{} {op} {}", f.field(), v.join("|")));
                        }
                    }
                }
                let mut what = if narrow.is_empty() {
                    "all".to_string()
                } else {
                    narrow.join(", ")
                };
                if mode != "all" {
                    what = format!("{what} ({mode})");
                }
                for t in types {
                    let e = c.data_events.entry(t).or_default();
                    if !e.contains(&what) {
                        e.push(what.clone());
                    }
                }
            }
            _ => {}
        }
    }
    c
}

fn time(t: Option<&aws_sdk_cloudtrail::primitives::DateTime>) -> Option<String> {
    t.and_then(|t| {
        t.fmt(aws_sdk_cloudtrail::primitives::DateTimeFormat::DateTime)
            .ok()
    })
}

/// What a reviewer of `r` should look at.
fn warnings(r: &TrailReport) -> Vec<String> {
    let mut w = Vec::new();
    if r.logging == Some(false) {
        w.push(match &r.stop_logging_time {
            Some(t) => format!("not logging (stopped {t})"),
            None => "not logging".to_string(),
        });
    }
    if !r.log_file_validation {
        w.push("log file validation is off: no digest can prove its logs unaltered".into());
    }
    if !r.multi_region {
        w.push("single-region: activity in other regions is not recorded by it".into());
    }
    if let Some(e) = &r.latest_delivery_error {
        w.push(format!("latest delivery failed: {e}"));
    }
    if let Some(e) = &r.latest_digest_delivery_error {
        w.push(format!("latest digest delivery failed: {e}"));
    }
    if let Some(c) = &r.coverage {
        if c.management == "none" {
            w.push("records no management events".into());
        } else if c.management != "all" {
            w.push(format!("records {} management events only", c.management));
        }
        if !c.excluded_management_sources.is_empty() {
            w.push(format!(
                "leaves out the management events of {}",
                c.excluded_management_sources.join(", ")
            ));
        }
    }
    w
}

/// Every trail visible from `regions` (the client's region when empty), each once, asked for
/// its status and selectors in its home region. A failed `DescribeTrails` is an error; a failed
/// status or selector call is recorded in [`TrailReport::errors`].
pub async fn report(opts: &S3Options, regions: &[String]) -> Result<Vec<TrailReport>, SourceError> {
    let regions: Vec<Option<String>> = if regions.is_empty() {
        vec![opts.region.clone()]
    } else {
        regions.iter().cloned().map(Some).collect()
    };
    let mut clients: BTreeMap<String, aws_sdk_cloudtrail::Client> = BTreeMap::new();
    let mut trails: BTreeMap<String, aws_sdk_cloudtrail::types::Trail> = BTreeMap::new();
    for region in &regions {
        let o = S3Options {
            region: region.clone(),
            ..opts.clone()
        };
        let client = super::trails::connect(&o).await;
        let key = client
            .config()
            .region()
            .map(|r| r.to_string())
            .unwrap_or_default();
        let out = client
            .describe_trails()
            .include_shadow_trails(true)
            .send()
            .await
            .map_err(|e| super::trails::cloudtrail_err("DescribeTrails", e))?;
        for t in out.trail_list() {
            let id = t.trail_arn().or(t.name()).unwrap_or_default().to_string();
            trails.entry(id).or_insert_with(|| t.clone());
        }
        clients.insert(key, client);
    }
    let mut out = Vec::new();
    for (id, t) in trails {
        let home = t.home_region().map(str::to_string);
        let client = match home.as_ref().and_then(|h| clients.get(h)) {
            Some(c) => c.clone(),
            None => {
                let o = S3Options {
                    region: home.clone(),
                    ..opts.clone()
                };
                let c = super::trails::connect(&o).await;
                if let Some(h) = &home {
                    clients.insert(h.clone(), c.clone());
                }
                c
            }
        };
        let prefix = super::trails::folder_prefix(t.s3_key_prefix());
        let mut r = TrailReport {
            name: t.name().unwrap_or_default().to_string(),
            arn: t.trail_arn().map(str::to_string),
            home_region: home,
            organization: t.is_organization_trail().unwrap_or(false),
            multi_region: t.is_multi_region_trail().unwrap_or(false),
            global_service_events: t.include_global_service_events().unwrap_or(false),
            bucket: t.s3_bucket_name().map(str::to_string),
            source: t
                .s3_bucket_name()
                .filter(|b| !b.is_empty())
                .map(|b| format!("s3://{b}/{prefix}AWSLogs/")),
            prefix,
            kms_key: t.kms_key_id().map(str::to_string),
            log_file_validation: t.log_file_validation_enabled().unwrap_or(false),
            ..Default::default()
        };
        match client.get_trail_status().name(&id).send().await {
            Ok(s) => {
                r.logging = s.is_logging();
                r.latest_delivery = time(s.latest_delivery_time());
                r.latest_delivery_error = s
                    .latest_delivery_error()
                    .filter(|e| !e.is_empty())
                    .map(str::to_string);
                r.latest_digest_delivery = time(s.latest_digest_delivery_time());
                r.latest_digest_delivery_error = s
                    .latest_digest_delivery_error()
                    .filter(|e| !e.is_empty())
                    .map(str::to_string);
                r.stop_logging_time = time(s.stop_logging_time());
            }
            Err(e) => r
                .errors
                .push(format!("GetTrailStatus: {}", super::trails::describe(&e))),
        }
        match client.get_event_selectors().trail_name(&id).send().await {
            Ok(s) => {
                r.coverage = Some(if !s.advanced_event_selectors().is_empty() {
                    advanced_coverage(s.advanced_event_selectors())
                } else if !s.event_selectors().is_empty() {
                    basic_coverage(s.event_selectors())
                } else {
                    Coverage {
                        management: "all".into(),
                        selectors: "none".into(),
                        ..Default::default()
                    }
                });
            }
            Err(e) => r.errors.push(format!(
                "GetEventSelectors: {}",
                super::trails::describe(&e)
            )),
        }
        r.warnings = warnings(&r);
        out.push(r);
    }
    Ok(out)
}

/// The trails as text, a block each, findings-style: what to look at first.
pub fn human(trails: &[TrailReport]) -> String {
    use crate::text::escape;
    if trails.is_empty() {
        return "no trail is visible in the regions asked (an organization trail is seen from \
                the management account or a delegated administrator)\n"
            .to_string();
    }
    let mut s = String::new();
    for t in trails {
        s.push_str(&format!(
            "{} ({})\n",
            escape(&t.name),
            escape(t.arn.as_deref().unwrap_or("no ARN"))
        ));
        s.push_str(&format!(
            "  {} trail, {}, home {}\n",
            if t.organization {
                "organization"
            } else {
                "account"
            },
            if t.multi_region {
                "multi-region"
            } else {
                "single-region"
            },
            escape(t.home_region.as_deref().unwrap_or("unknown"))
        ));
        s.push_str(&format!(
            "  delivers to {}; KMS {}; log file validation {}\n",
            escape(t.source.as_deref().unwrap_or("no bucket")),
            escape(t.kms_key.as_deref().unwrap_or("none")),
            if t.log_file_validation { "on" } else { "off" }
        ));
        s.push_str(&format!(
            "  logging {}; last delivery {}\n",
            match t.logging {
                Some(true) => "on",
                Some(false) => "off",
                None => "unknown",
            },
            escape(t.latest_delivery.as_deref().unwrap_or("never"))
        ));
        if let Some(c) = &t.coverage {
            s.push_str(&format!(
                "  management events: {} ({} selectors)\n",
                c.management, c.selectors
            ));
            if c.data_events.is_empty() {
                s.push_str("  data events: none\n");
            } else {
                for (ty, what) in &c.data_events {
                    s.push_str(&format!(
                        "  data events: {} {}\n",
                        escape(ty),
                        escape(&what.join("; "))
                    ));
                }
            }
        }
        for w in &t.warnings {
            s.push_str(&format!("  ! {}\n", escape(w)));
        }
        for e in &t.errors {
            s.push_str(&format!("  error: {}\n", escape(e)));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudtrail::types::{AdvancedFieldSelector, DataResource};

    #[test]
    fn basic_selectors_become_coverage() {
        let s = [
            EventSelector::builder()
                .read_write_type(ReadWriteType::WriteOnly)
                .include_management_events(true)
                .exclude_management_event_sources("kms.amazonaws.com")
                .build(),
            EventSelector::builder()
                .read_write_type(ReadWriteType::All)
                .include_management_events(false)
                .data_resources(
                    DataResource::builder()
                        .r#type("AWS::S3::Object")
                        .values("arn:aws:s3")
                        .values("arn:aws:s3:::prod/")
                        .build(),
                )
                .build(),
        ];
        let c = basic_coverage(&s);
        assert_eq!(c.management, "write-only");
        assert_eq!(c.excluded_management_sources, ["kms.amazonaws.com"]);
        assert_eq!(
            c.data_events["AWS::S3::Object"],
            ["all", "arn:aws:s3:::prod/"]
        );
        assert_eq!(union_rw("read-only", "write-only"), "all");
        assert_eq!(union_rw("none", "read-only"), "read-only");
    }

    #[test]
    fn advanced_selectors_become_coverage() {
        let f = |name: &str, eq: &[&str]| {
            let mut b = AdvancedFieldSelector::builder().field(name);
            for v in eq {
                b = b.equals(*v);
            }
            b.build().unwrap()
        };
        let s = [
            AdvancedEventSelector::builder()
                .field_selectors(f("eventCategory", &["Management"]))
                .field_selectors(f("readOnly", &["true"]))
                .build()
                .unwrap(),
            AdvancedEventSelector::builder()
                .field_selectors(f("eventCategory", &["Data"]))
                .field_selectors(f("resources.type", &["AWS::DynamoDB::Table"]))
                .field_selectors(
                    AdvancedFieldSelector::builder()
                        .field("resources.ARN")
                        .starts_with("arn:aws:dynamodb:us-east-1:111122223333:table/orders")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        ];
        let c = advanced_coverage(&s);
        assert_eq!(c.management, "read-only");
        assert_eq!(
            c.data_events["AWS::DynamoDB::Table"],
            ["resources.ARN starts with arn:aws:dynamodb:us-east-1:111122223333:table/orders"]
        );
        let r = TrailReport {
            logging: Some(false),
            coverage: Some(c),
            ..Default::default()
        };
        let w = warnings(&r);
        assert!(w.iter().any(|x| x == "not logging"), "{w:?}");
        assert!(
            w.iter()
                .any(|x| x.contains("read-only management events only")),
            "{w:?}"
        );
        assert!(w.iter().any(|x| x.contains("validation is off")), "{w:?}");
    }
}
