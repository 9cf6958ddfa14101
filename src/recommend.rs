//! Granted versus used: for every user and role, what it may do (the policy engine over the
//! authorization details), what it did (CloudTrail through the event -> action mapping), and
//! the least-privilege policy it should have instead.
//!
//! * [`PermissionRow`]s: one per principal and action that is granted or used
//!   (`permissions.parquet`).
//! * [`Plan`]s: per principal, the suggested policy documents (split to IAM's size limits), a
//!   readable report, and the `unused-permissions` finding.
//!
//! "Used" means a call that passed authorization with its last use inside the window; refused
//! calls are *denied attempts* (the permission the principal lacked), never use. An action
//! that CloudTrail cannot show is *unobservable*, never *unused*: permission-only actions
//! (`iam:PassRole`: no API call of that name exists) and data-event actions (S3 object calls,
//! Lambda `Invoke`, DynamoDB items, SQS/SNS messages, Kinesis records) in an account whose
//! trail delivered no data event of that service.

use crate::detect::unused_permissions::INFO;
use crate::finding::{Partial, Seed, Severity};
use crate::iam::catalog::{AccessLevel, ActionId, catalog};
use crate::iam::details::Inventory;
use crate::iam::engine::{Engine, Grant, PrincipalKind};
use crate::iam::mapping::map_event;
use crate::time::Window;
use crate::usage::{ActionUse, PrincipalActions, Usage, principal_key};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// `permissions.parquet`: one row per principal and action that is granted or used.
#[derive(Clone, Debug, PartialEq)]
pub struct PermissionRow {
    /// Account.
    pub account: String,
    /// Principal ARN.
    pub principal: String,
    /// `IAMUser`, `Role`, or the activity's principal type for principals not in the details.
    pub principal_type: String,
    /// `service:Action`.
    pub action: String,
    /// Service prefix.
    pub service: String,
    /// Access level (`Unknown` for actions not in the catalog).
    pub access_level: String,
    /// Granted by the principal's identity policies (after Deny, boundary, SCPs).
    pub granted: bool,
    /// Granted only under a condition.
    pub conditional: bool,
    /// Used in the window.
    pub used: bool,
    /// CloudTrail can show its use here.
    pub observable: bool,
    /// Calls that passed authorization (over the scan).
    pub use_count: u64,
    /// Calls refused for lack of permission.
    pub denied_count: u64,
    /// First allowed call.
    pub first_used: Option<i64>,
    /// Last allowed call.
    pub last_used: Option<i64>,
    /// The policies that grant it.
    pub granted_by: Vec<String>,
}

/// One principal's suggestion.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Account.
    pub account: String,
    /// Principal ARN.
    pub arn: String,
    /// `user` or `role`.
    pub kind: &'static str,
    /// Name.
    pub name: String,
    /// Policy documents (several when one would exceed the size limit).
    pub documents: Vec<Value>,
    /// The readable report.
    pub report: String,
    /// The finding, when something is unused.
    pub finding: Option<Partial>,
}

/// Largest managed policy document, in characters without whitespace.
pub const MANAGED_POLICY_LIMIT: usize = 6_144;

/// Whether an action is a CloudTrail data event (logged only when the trail selects data
/// events for its service). Returns the event source whose data events show it.
pub fn data_event_source(service: &str, name: &str) -> Option<&'static str> {
    let starts = |ps: &[&str]| ps.iter().any(|p| name.starts_with(p));
    match service {
        "s3" if starts(&[
            "GetObject",
            "PutObject",
            "DeleteObject",
            "RestoreObject",
            "AbortMultipartUpload",
            "ListMultipartUploadParts",
            "ListBucket",
            "ReplicateObject",
            "ReplicateDelete",
            "ReplicateTags",
        ]) =>
        {
            Some("s3.amazonaws.com")
        }
        "lambda" if name == "InvokeFunction" => Some("lambda.amazonaws.com"),
        "dynamodb"
            if starts(&[
                "GetItem",
                "BatchGetItem",
                "PutItem",
                "UpdateItem",
                "DeleteItem",
                "BatchWriteItem",
                "Query",
                "Scan",
                "ConditionCheckItem",
                "PartiQL",
                "GetRecords",
                "GetShardIterator",
            ]) =>
        {
            Some("dynamodb.amazonaws.com")
        }
        "sqs"
            if starts(&[
                "SendMessage",
                "ReceiveMessage",
                "DeleteMessage",
                "ChangeMessageVisibility",
            ]) =>
        {
            Some("sqs.amazonaws.com")
        }
        "sns" if starts(&["Publish"]) => Some("sns.amazonaws.com"),
        "kinesis"
            if starts(&[
                "PutRecord",
                "GetRecords",
                "GetShardIterator",
                "SubscribeToShard",
            ]) =>
        {
            Some("kinesis.amazonaws.com")
        }
        "s3-object-lambda" => Some("s3-object-lambda.amazonaws.com"),
        _ => None,
    }
}

/// Why an action cannot be seen in CloudTrail in `account`, if it cannot.
pub fn unobservable_reason(id: ActionId, account: &str, usage: &Usage) -> Option<&'static str> {
    let a = catalog().get(id);
    if a.api_op == Some(false) && !crate::iam::mapping::logged_by_exception(id) {
        return Some("permission-only action (no API call of that name is logged)");
    }
    let src = data_event_source(a.service, a.name)?;
    (!usage
        .data_sources
        .contains(&(account.to_string(), src.to_string())))
    .then_some("data event, and the trail delivered no data events for this service")
}

fn risk_rank(level: AccessLevel) -> u8 {
    match level.as_str() {
        "Permissions management" => 0,
        "Write" => 1,
        "Tagging" => 2,
        "Read" => 3,
        _ => 4,
    }
}

/// Everything the recommendation step needs.
pub struct Inputs<'a> {
    /// Authorization details.
    pub inventory: Option<&'a Inventory>,
    /// The run's usage.
    pub usage: &'a Usage,
    /// The window.
    pub window: Option<Window>,
    /// The policy engine (with the SCPs).
    pub engine: Engine,
}

/// What the step produces.
#[derive(Default)]
pub struct Output {
    /// `permissions.parquet` rows.
    pub rows: Vec<PermissionRow>,
    /// Per-principal suggestions (principals of the details only).
    pub plans: Vec<Plan>,
}

/// Runs the step.
pub fn run(mut inp: Inputs<'_>) -> Output {
    let mut out = Output::default();
    let usage = inp.usage;
    // Usage by (account, kind, name) so that `role/service-role/x` and `role/x` meet.
    let mut by_key: HashMap<(String, String, String), &Arc<str>> = HashMap::new();
    for k in usage.actions.keys() {
        if let Some(pk) = principal_key(k) {
            by_key.insert(pk, k);
        }
    }
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    if let Some(inv) = inp.inventory {
        for acct in inv.accounts.values() {
            let grants = inp.engine.evaluate_account(acct);
            for g in grants {
                if acct
                    .roles
                    .iter()
                    .any(|r| r.arn == g.principal_arn && r.is_service_linked())
                {
                    continue;
                }
                let used_key = principal_key(&g.principal_arn).and_then(|k| by_key.get(&k));
                if let Some(k) = used_key {
                    seen.insert(k);
                }
                let used = used_key.and_then(|k| usage.actions.get(*k));
                let plan = plan_principal(&g, used, usage, inp.window, &mut out.rows);
                out.plans.push(plan);
            }
        }
    }
    // Principals that acted but are not in the details: their use only.
    let mut rest: Vec<(&Arc<str>, &PrincipalActions)> = usage
        .actions
        .iter()
        .filter(|(k, _)| !seen.contains(&***k))
        .collect();
    rest.sort_by(|a, b| a.0.cmp(b.0));
    for (arn, pa) in rest {
        for (action, u) in &pa.actions {
            out.rows.push(used_only_row(arn, pa, action, u, inp.window));
        }
    }
    out
}

fn in_window(w: Option<Window>, t: Option<i64>) -> bool {
    match (w, t) {
        (Some(w), Some(t)) => t >= w.start,
        (None, Some(_)) => true,
        _ => false,
    }
}

fn used_only_row(
    arn: &str,
    pa: &PrincipalActions,
    action: &str,
    u: &ActionUse,
    w: Option<Window>,
) -> PermissionRow {
    let c = catalog();
    let id = c.lookup(action);
    let (service, level) = match id {
        Some(id) => (
            c.get(id).service.to_string(),
            c.get(id).access.as_str().to_string(),
        ),
        None => (
            action.split(':').next().unwrap_or("").to_string(),
            "Unknown".to_string(),
        ),
    };
    PermissionRow {
        account: pa.account.clone(),
        principal: arn.to_string(),
        principal_type: pa.principal_type.clone(),
        action: id.map_or_else(|| action.to_string(), |id| c.get(id).full_name()),
        service,
        access_level: level,
        granted: false,
        conditional: false,
        used: u.count > 0 && in_window(w, u.last),
        observable: true,
        use_count: u.count,
        denied_count: u.denied,
        first_used: u.first,
        last_used: u.last,
        granted_by: Vec::new(),
    }
}

fn plan_principal(
    g: &Grant,
    used: Option<&PrincipalActions>,
    usage: &Usage,
    window: Option<Window>,
    rows: &mut Vec<PermissionRow>,
) -> Plan {
    let c = catalog();
    let ptype = match g.kind {
        PrincipalKind::User => "IAMUser",
        PrincipalKind::Role => "Role",
    };
    // Used actions by catalog id (unknown names kept apart).
    let mut used_ids: BTreeMap<ActionId, ActionUse> = BTreeMap::new();
    let mut used_unknown: Vec<(&str, &ActionUse)> = Vec::new();
    if let Some(pa) = used {
        for (a, u) in &pa.actions {
            match c.lookup(a) {
                Some(id) => {
                    used_ids.insert(id, *u);
                }
                None => used_unknown.push((a, u)),
            }
        }
    }
    let mut ids: BTreeSet<ActionId> = g.granted.iter().collect();
    ids.extend(used_ids.keys().copied());
    let mut keep: Vec<ActionId> = Vec::new(); // used in the window and granted
    let mut unobservable_held: Vec<(ActionId, &'static str)> = Vec::new();
    let mut unused: Vec<ActionId> = Vec::new();
    let mut used_services: BTreeSet<&str> = BTreeSet::new();
    for &id in &ids {
        let a = c.get(id);
        let granted = g.granted.contains(id);
        let u = used_ids.get(&id);
        let is_used = u.is_some_and(|u| u.count > 0 && in_window(window, u.last));
        let why = unobservable_reason(id, &g.account, usage);
        if granted {
            if is_used {
                keep.push(id);
                used_services.insert(a.service);
            } else if let Some(w) = why {
                unobservable_held.push((id, w));
            } else {
                unused.push(id);
            }
        }
        rows.push(PermissionRow {
            account: g.account.clone(),
            principal: g.principal_arn.clone(),
            principal_type: ptype.to_string(),
            action: a.full_name(),
            service: a.service.to_string(),
            access_level: a.access.as_str().to_string(),
            granted,
            conditional: g.conditional.contains(id),
            used: is_used,
            observable: why.is_none() || is_used,
            use_count: u.map_or(0, |u| u.count),
            denied_count: u.map_or(0, |u| u.denied),
            first_used: u.and_then(|u| u.first),
            last_used: u.and_then(|u| u.last),
            granted_by: if granted {
                g.granted_by(id).into_iter().map(str::to_string).collect()
            } else {
                Vec::new()
            },
        });
    }
    if let Some(pa) = used {
        for (a, u) in &used_unknown {
            rows.push(used_only_row(&g.principal_arn, pa, a, u, window));
        }
    }
    // Unobservable actions are kept only in services the principal was seen using: a
    // wholesale copy of every permission-only action of an admin would defeat the purpose.
    let kept_unobservable: Vec<ActionId> = unobservable_held
        .iter()
        .filter(|(id, _)| used_services.contains(c.get(*id).service))
        .map(|(id, _)| *id)
        .collect();
    let resources = resources_by_action(g, usage);
    let documents = build_documents(g, &keep, &kept_unobservable, &resources);
    let granted_n = g.granted.len();
    let services: BTreeSet<&str> = g.granted.iter().map(|id| c.get(id).service).collect();
    let unused_services: Vec<&str> = services
        .iter()
        .copied()
        .filter(|s| !used_services.contains(s))
        .collect();
    unused.sort_by_key(|id| (risk_rank(c.get(*id).access), *id));
    let report = report(
        g,
        granted_n,
        services.len(),
        &keep,
        &unused,
        &unobservable_held,
        &kept_unobservable,
        &unused_services,
        window,
    );
    let finding = (!unused.is_empty()).then(|| {
        let risky = unused
            .iter()
            .filter(|id| risk_rank(c.get(**id).access) <= 1)
            .count();
        let mut p = Partial::new(
            &INFO,
            Arc::from(g.principal_arn.as_str()),
            Seed {
                severity: if risky > 0 {
                    Severity::Medium
                } else {
                    Severity::Low
                },
                title: format!(
                    "{} {} in {} uses {} of {} granted actions ({} unused{})",
                    if g.kind == PrincipalKind::User {
                        "IAM user"
                    } else {
                        "Role"
                    },
                    g.name,
                    g.account,
                    keep.len(),
                    granted_n,
                    unused.len(),
                    if risky > 0 {
                        format!(", {risky} of them Write or Permissions management")
                    } else {
                        String::new()
                    }
                ),
                account: g.account.clone(),
                principal: g.principal_arn.clone(),
                principal_type: ptype.into(),
                access_key_id: None,
                remediation: remediation(g, documents.len()),
            },
        );
        p.count = keep.len() as u64;
        p.evidence("granted_actions", &granted_n.to_string())
            .evidence("used_actions", &keep.len().to_string())
            .evidence("unused_actions", &unused.len().to_string())
            .evidence("unobservable_actions", &unobservable_held.len().to_string());
        for s in &unused_services {
            p.evidence("unused_services", s);
        }
        // Evidence values are kept sorted: a rank prefix keeps the riskiest first.
        for (i, id) in unused.iter().take(25).enumerate() {
            let a = c.get(*id);
            p.evidence(
                "riskiest_unused",
                &format!("{:02} {a} ({})", i + 1, a.access.as_str()),
            );
        }
        for u in &g.unknown_policies {
            p.evidence("not_evaluated", u);
        }
        p
    });
    Plan {
        account: g.account.clone(),
        arn: g.principal_arn.clone(),
        kind: match g.kind {
            PrincipalKind::User => "user",
            PrincipalKind::Role => "role",
        },
        name: g.name.clone(),
        documents,
        report,
        finding,
    }
}

/// The `unused-permissions` fix: the files [`crate::output::policies::write`] really writes for
/// this principal (the suggested documents, or only the report when it used nothing).
fn remediation(g: &Grant, documents: usize) -> String {
    let kind = match g.kind {
        PrincipalKind::User => "user",
        PrincipalKind::Role => "role",
    };
    let (docs, report) =
        crate::output::policies::relative_files(&g.account, kind, &g.name, documents);
    let sources = g
        .sources
        .iter()
        .map(|s| s.label.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if docs.is_empty() {
        format!(
            "{} used none of its granted actions in the window: review {report}, then remove the old grants: {sources}.",
            g.name
        )
    } else {
        format!(
            "Replace the policies of {} with {} (review {report} first), then remove the old grants: {sources}.",
            g.name,
            docs.join(" and ")
        )
    }
}

/// The resources the principal's calls touched, by action: from every API call that maps to
/// the action.
fn resources_by_action(g: &Grant, usage: &Usage) -> BTreeMap<ActionId, crate::usage::Resources> {
    let mut out: BTreeMap<ActionId, crate::usage::Resources> = BTreeMap::new();
    let Some(want) = principal_key(&g.principal_arn) else {
        return out;
    };
    for ((principal, source, name), res) in &usage.resources {
        if principal_key(principal).as_ref() != Some(&want) {
            continue;
        }
        for a in map_event(source, name, None).action_names() {
            if let Some(id) = catalog().lookup(&a) {
                let e = out.entry(id).or_default();
                e.arns.extend(res.arns.iter().cloned());
                e.overflow |= res.overflow;
                e.unnamed |= res.unnamed;
            }
        }
    }
    out
}

fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some((b'*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some((b'?', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// Generalizes touched ARNs: S3 objects as `bucket/*`, the region as `*` when the same
/// resource was used in several regions.
fn generalize(service: &str, action: &str, arns: &BTreeSet<String>) -> BTreeSet<String> {
    let object_action =
        service == "s3" && (action.contains("Object") || action.contains("MultipartUpload"));
    let mut out = BTreeSet::new();
    for arn in arns {
        if service == "s3" && arn.starts_with("arn:") && arn.contains(":s3:::") {
            let (bucket_part, has_key) = match arn.split_once(":s3:::") {
                Some((_, rest)) => (rest.split('/').next().unwrap_or(rest), rest.contains('/')),
                None => continue,
            };
            // Object actions take object ARNs; bucket actions the bucket ARN.
            if object_action != has_key {
                continue;
            }
            let prefix = &arn[..arn.find(":s3:::").unwrap_or(0) + 6];
            out.insert(if has_key {
                format!("{prefix}{bucket_part}/*")
            } else {
                format!("{prefix}{bucket_part}")
            });
        } else {
            out.insert(arn.clone());
        }
    }
    // Region wildcard where the same resource appears in several regions.
    let mut by_rest: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for arn in &out {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() == 6 && !parts[3].is_empty() {
            let rest = format!(
                "{}:{}:{}:*:{}:{}",
                parts[0], parts[1], parts[2], parts[4], parts[5]
            );
            by_rest.entry(rest).or_default().insert(arn.clone());
        }
    }
    for (wild, members) in by_rest {
        if members.len() > 1 {
            for m in &members {
                out.remove(m);
            }
            out.insert(wild);
        }
    }
    out
}

/// The resources to allow for an action: what was touched, generalized, but never wider than
/// the grant (each suggested resource must be matched by a granted pattern, else the touched
/// ARNs themselves, else the granted patterns).
fn suggested_resources(
    g: &Grant,
    id: ActionId,
    touched: Option<&crate::usage::Resources>,
) -> Vec<String> {
    let a = catalog().get(id);
    // NotResource grants cannot be bounded by patterns: only the ARNs actually touched (which
    // the principal could reach) are safe to name.
    let not_resource = g
        .statements_for(id)
        .iter()
        .any(|st| matches!(st.resource, Some(crate::iam::policy::Match::Not(_))));
    if not_resource {
        return match touched.filter(|t| !t.overflow && !t.unnamed && !t.arns.is_empty()) {
            Some(t) => t.arns.iter().cloned().collect(),
            None => vec!["*".to_string()],
        };
    }
    let granted = g.resources_for(id);
    let covered = |r: &str| granted.iter().any(|p| glob(p, r));
    let fallback = || {
        if granted.is_empty() {
            vec!["*".to_string()]
        } else {
            granted.clone()
        }
    };
    let Some(t) = touched.filter(|t| !t.overflow && !t.unnamed && !t.arns.is_empty()) else {
        return fallback();
    };
    let general = generalize(a.service, a.name, &t.arns);
    if general.is_empty() {
        return fallback();
    }
    if general.iter().all(|r| covered(r)) {
        return general.into_iter().collect();
    }
    if t.arns.iter().all(|r| covered(r)) {
        return t.arns.iter().cloned().collect();
    }
    fallback()
}

fn compact_len(v: &Value) -> usize {
    serde_json::to_string(v).map_or(usize::MAX, |s| s.len())
}

fn sid(prefix: &str, resources: &[String], n: usize) -> String {
    let base: String = prefix
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let _ = resources;
    format!("{base}{n}")
}

/// The `Condition` block a suggestion must keep for an action that is granted only under a
/// condition: the conditions of the first statement that grants it (never dropped, so the
/// suggestion is never wider than the grant).
fn conditions_of(g: &Grant, id: ActionId) -> Option<Value> {
    if !g.conditional.contains(id) {
        return None;
    }
    let stmts = g.statements_for(id);
    let st = stmts.iter().find(|st| !st.conditions.is_empty())?;
    let mut block = serde_json::Map::new();
    for c in st.conditions {
        let op = block
            .entry(c.operator.clone())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if let Value::Object(m) = op {
            m.insert(
                c.key.clone(),
                if c.values.len() == 1 {
                    json!(c.values[0])
                } else {
                    json!(c.values)
                },
            );
        }
    }
    Some(Value::Object(block))
}

fn build_documents(
    g: &Grant,
    keep: &[ActionId],
    unobservable: &[ActionId],
    touched: &BTreeMap<ActionId, crate::usage::Resources>,
) -> Vec<Value> {
    let c = catalog();
    // Group actions by their resource list.
    type Key = (bool, Vec<String>, String);
    let mut groups: BTreeMap<Key, (Option<Value>, Vec<String>)> = BTreeMap::new();
    let mut add = |unobs: bool, id: ActionId, r: Vec<String>| {
        let cond = conditions_of(g, id);
        let ck = cond.as_ref().map(Value::to_string).unwrap_or_default();
        groups
            .entry((unobs, r, ck))
            .or_insert_with(|| (cond, Vec::new()))
            .1
            .push(c.get(id).full_name());
    };
    for &id in keep {
        add(false, id, suggested_resources(g, id, touched.get(&id)));
    }
    for &id in unobservable {
        add(true, id, suggested_resources(g, id, None));
    }
    let mut statements: Vec<Value> = Vec::new();
    let mut n = 0;
    for ((unobs, resources, _), (cond, mut actions)) in groups {
        actions.sort();
        // A statement too large for one document is cut into action chunks.
        for chunk in actions.chunks(150) {
            n += 1;
            let mut s = json!({
                "Sid": sid(if unobs { "UnobservableKeptForReview" } else { "UsedInWindow" }, &resources, n),
                "Effect": "Allow",
                "Action": chunk,
                "Resource": if resources.len() == 1 { json!(resources[0]) } else { json!(resources) },
            });
            if let Some(c) = &cond {
                s["Condition"] = c.clone();
            }
            statements.push(s);
        }
    }
    let mut docs: Vec<Vec<Value>> = Vec::new();
    let empty = compact_len(&json!({"Version": "2012-10-17", "Statement": []}));
    let mut size = empty;
    for s in statements {
        let l = compact_len(&s) + 1;
        if docs.is_empty() || size + l > MANAGED_POLICY_LIMIT {
            docs.push(Vec::new());
            size = empty;
        }
        size += l;
        docs.last_mut().expect("pushed").push(s);
    }
    docs.into_iter()
        .map(|st| json!({"Version": "2012-10-17", "Statement": st}))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn report(
    g: &Grant,
    granted_n: usize,
    services_n: usize,
    keep: &[ActionId],
    unused: &[ActionId],
    unobservable: &[(ActionId, &'static str)],
    kept_unobservable: &[ActionId],
    unused_services: &[&str],
    window: Option<Window>,
) -> String {
    let c = catalog();
    let mut s = String::new();
    s.push_str(&format!(
        "{} {} ({})\n",
        if g.kind == PrincipalKind::User {
            "IAM user"
        } else {
            "Role"
        },
        g.name,
        g.principal_arn
    ));
    if let Some(w) = window {
        s.push_str(&format!(
            "window: {} to {} ({} days)\n",
            crate::time::format_ms(w.start),
            crate::time::format_ms(w.end),
            w.days
        ));
    }
    s.push_str(&format!(
        "granted {granted_n} actions across {services_n} services; used {}; unused {}; unobservable {} (kept {} of them, in services it uses)\n",
        keep.len(),
        unused.len(),
        unobservable.len(),
        kept_unobservable.len()
    ));
    if !g.unknown_policies.is_empty() {
        s.push_str(&format!(
            "NOT EVALUATED (documents missing or unreadable; the grant may be larger): {}\n",
            g.unknown_policies.join(", ")
        ));
    }
    s.push_str(&format!(
        "policies today: {}\n",
        g.sources
            .iter()
            .map(|x| x.label.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if !unused_services.is_empty() {
        let shown: Vec<&str> = unused_services.iter().take(40).copied().collect();
        s.push_str(&format!(
            "services never used ({}): {}{}\n",
            unused_services.len(),
            shown.join(", "),
            if unused_services.len() > shown.len() {
                ", ..."
            } else {
                ""
            }
        ));
    }
    if keep.is_empty() {
        s.push_str(
            "it used nothing in the window: no policy is suggested; remove its grants (or the principal)\n",
        );
    }
    s.push_str("\nremove these (unused, riskiest first):\n");
    for id in unused.iter().take(200) {
        let a = c.get(*id);
        s.push_str(&format!("  {a}  [{}]\n", a.access.as_str()));
    }
    if unused.len() > 200 {
        s.push_str(&format!(
            "  ... and {} more (permissions.parquet has them all)\n",
            unused.len() - 200
        ));
    }
    s.push_str("\nused in the window (kept):\n");
    for id in keep {
        s.push_str(&format!("  {}\n", c.get(*id)));
    }
    if !unobservable.is_empty() {
        s.push_str("\nunobservable (CloudTrail cannot show their use; review by hand):\n");
        for (id, why) in unobservable.iter().take(100) {
            let kept = if kept_unobservable.contains(id) {
                "kept"
            } else {
                "not kept"
            };
            s.push_str(&format!("  {}  ({why}; {kept})\n", c.get(*id)));
        }
        if unobservable.len() > 100 {
            s.push_str(&format!("  ... and {} more\n", unobservable.len() - 100));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_resources_are_generalized_by_action_kind() {
        let arns: BTreeSet<String> = [
            "arn:aws:s3:::b/k1",
            "arn:aws:s3:::b/dir/k2",
            "arn:aws:s3:::b",
            "arn:aws:s3:::c/x",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            generalize("s3", "GetObject", &arns)
                .into_iter()
                .collect::<Vec<_>>(),
            ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"]
        );
        assert_eq!(
            generalize("s3", "ListBucket", &arns)
                .into_iter()
                .collect::<Vec<_>>(),
            ["arn:aws:s3:::b"]
        );
    }

    #[test]
    fn several_regions_become_a_region_wildcard() {
        let arns: BTreeSet<String> = [
            "arn:aws:dynamodb:us-east-1:111122223333:table/t",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/t",
            "arn:aws:dynamodb:us-east-1:111122223333:table/u",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            generalize("dynamodb", "GetItem", &arns)
                .into_iter()
                .collect::<Vec<_>>(),
            [
                "arn:aws:dynamodb:*:111122223333:table/t",
                "arn:aws:dynamodb:us-east-1:111122223333:table/u"
            ]
        );
    }

    #[test]
    fn data_events_and_permission_only_actions() {
        assert_eq!(
            data_event_source("s3", "GetObject"),
            Some("s3.amazonaws.com")
        );
        assert_eq!(data_event_source("s3", "GetBucketPolicy"), None);
        assert_eq!(
            data_event_source("lambda", "InvokeFunction"),
            Some("lambda.amazonaws.com")
        );
        assert_eq!(data_event_source("lambda", "GetFunction"), None);
        let usage = Usage::default();
        let pass = catalog().lookup("iam:PassRole").unwrap();
        assert!(unobservable_reason(pass, "1", &usage).is_some());
        let get = catalog().lookup("s3:GetObject").unwrap();
        assert!(unobservable_reason(get, "1", &usage).is_some());
        let list = catalog().lookup("iam:ListUsers").unwrap();
        assert!(unobservable_reason(list, "1", &usage).is_none());
    }

    #[test]
    fn globs_are_case_sensitive_for_arns() {
        assert!(glob("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y"));
        assert!(!glob("arn:aws:s3:::b/*", "arn:aws:s3:::B/x"));
        assert!(glob("*", "anything"));
    }
}
