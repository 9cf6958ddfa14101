//! `context.json`: the usage the rules need beyond the per-action rows (accounts, principals,
//! access keys, console sign-ins, key changes, data-event sources, touched resources), written
//! through mirror types that fix the file's format.

use crate::usage::{KeyChange, KeyEvent, KeyUse, PrincipalUse, Resources, Span, Usage};
use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// A span in `context.json`.
#[derive(Serialize, Deserialize)]
struct SpanJ {
    first: i64,
    last: i64,
    count: u64,
}

impl From<&Span> for SpanJ {
    fn from(s: &Span) -> Self {
        SpanJ {
            first: s.first,
            last: s.last,
            count: s.count,
        }
    }
}

impl From<&SpanJ> for Span {
    fn from(s: &SpanJ) -> Self {
        Span {
            first: s.first,
            last: s.last,
            count: s.count,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct PrincipalJ {
    principal: String,
    account: String,
    principal_type: String,
    span: SpanJ,
}

#[derive(Serialize, Deserialize)]
struct KeyJ {
    key: String,
    account: String,
    user_arn: String,
    user_name: Option<String>,
    span: SpanJ,
}

#[derive(Serialize, Deserialize)]
struct KeyEventJ {
    key: String,
    time: i64,
    change: String,
    account: String,
    user_name: Option<String>,
    actor: String,
    event_id: Option<String>,
    source_ip: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct DataSourceJ {
    account: String,
    event_source: String,
    last: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct ResourcesJ {
    principal: String,
    event_source: String,
    event_name: String,
    arns: Vec<String>,
    overflow: bool,
    unnamed: bool,
    last: Option<i64>,
    /// Absent in states written before shapes were kept: they are then incomplete.
    #[serde(default)]
    shapes: Vec<String>,
    #[serde(default = "incomplete")]
    shapes_incomplete: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    events: Vec<String>,
}

fn incomplete() -> bool {
    true
}

/// `context.json`: the usage that is not per action. Times are epoch milliseconds.
#[derive(Serialize, Deserialize)]
struct ContextFile {
    newest: Option<i64>,
    oldest: Option<i64>,
    accounts: BTreeMap<String, SpanJ>,
    principals: Vec<PrincipalJ>,
    keys: Vec<KeyJ>,
    console: BTreeMap<String, SpanJ>,
    key_events: Vec<KeyEventJ>,
    data_sources: Vec<DataSourceJ>,
    resources: Vec<ResourcesJ>,
}

fn change_name(c: KeyChange) -> &'static str {
    match c {
        KeyChange::Created => "created",
        KeyChange::Activated => "activated",
        KeyChange::Deactivated => "deactivated",
        KeyChange::Deleted => "deleted",
    }
}

pub(super) fn write_context(path: &Path, u: &Usage) -> anyhow::Result<u64> {
    let mut principals: Vec<PrincipalJ> = u
        .principals
        .iter()
        .map(|(k, p)| PrincipalJ {
            principal: k.to_string(),
            account: p.account.clone(),
            principal_type: p.principal_type.clone(),
            span: (&p.span).into(),
        })
        .collect();
    principals.sort_by(|a, b| a.principal.cmp(&b.principal));
    let c = ContextFile {
        newest: u.newest,
        oldest: u.oldest,
        accounts: u
            .accounts
            .iter()
            .map(|(k, s)| (k.clone(), s.into()))
            .collect(),
        principals,
        keys: u
            .keys
            .iter()
            .map(|(k, v)| KeyJ {
                key: k.clone(),
                account: v.account.clone(),
                user_arn: v.user_arn.clone(),
                user_name: v.user_name.clone(),
                span: (&v.span).into(),
            })
            .collect(),
        console: u
            .console
            .iter()
            .map(|(k, s)| (k.clone(), s.into()))
            .collect(),
        key_events: u
            .key_events
            .iter()
            .map(|e| KeyEventJ {
                key: e.key.clone(),
                time: e.time,
                change: change_name(e.change).to_string(),
                account: e.account.clone(),
                user_name: e.user_name.clone(),
                actor: e.actor.clone(),
                event_id: e.event_id.clone(),
                source_ip: e.source_ip.clone(),
            })
            .collect(),
        data_sources: u
            .data_sources
            .iter()
            .map(|k| DataSourceJ {
                account: k.0.clone(),
                event_source: k.1.clone(),
                last: u.data_source_last.get(k).copied(),
            })
            .collect(),
        resources: u
            .resources
            .iter()
            .map(|((p, s, n), r)| ResourcesJ {
                principal: p.clone(),
                event_source: s.clone(),
                event_name: n.clone(),
                arns: r.arns.iter().cloned().collect(),
                overflow: r.overflow,
                unnamed: r.unnamed,
                last: r.last,
                shapes: r.shapes.iter().cloned().collect(),
                shapes_incomplete: r.shapes_incomplete,
                events: r.events.iter().cloned().collect(),
            })
            .collect(),
    };
    let mut text = serde_json::to_vec(&c)?;
    text.push(b'\n');
    let mut f = File::create(path)?;
    f.write_all(&text)?;
    f.sync_all()?;
    Ok(text.len() as u64)
}

pub(super) fn read_context(path: &Path) -> anyhow::Result<Usage> {
    let text = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let c: ContextFile = serde_json::from_slice(&text)
        .with_context(|| format!("{}: not a state context file", path.display()))?;
    let mut u = Usage::default();
    u.newest = c.newest;
    u.oldest = c.oldest;
    u.accounts = c
        .accounts
        .iter()
        .map(|(k, s)| (k.clone(), s.into()))
        .collect();
    for p in c.principals {
        u.principals.insert(
            Arc::from(p.principal.as_str()),
            PrincipalUse {
                account: p.account,
                principal_type: p.principal_type,
                span: (&p.span).into(),
            },
        );
    }
    for k in c.keys {
        u.keys.insert(
            k.key,
            KeyUse {
                account: k.account,
                user_arn: k.user_arn,
                user_name: k.user_name,
                span: (&k.span).into(),
            },
        );
    }
    u.console = c
        .console
        .iter()
        .map(|(k, s)| (k.clone(), s.into()))
        .collect();
    for e in c.key_events {
        let change = match e.change.as_str() {
            "created" => KeyChange::Created,
            "activated" => KeyChange::Activated,
            "deactivated" => KeyChange::Deactivated,
            "deleted" => KeyChange::Deleted,
            other => bail!("{}: unknown key change `{other}`", path.display()),
        };
        u.key_events.push(KeyEvent {
            key: e.key,
            time: e.time,
            change,
            account: e.account,
            user_name: e.user_name,
            actor: e.actor,
            event_id: e.event_id,
            source_ip: e.source_ip,
        });
    }
    for d in c.data_sources {
        let k = (d.account, d.event_source);
        if let Some(t) = d.last {
            u.data_source_last.insert(k.clone(), t);
        }
        u.data_sources.insert(k);
    }
    for r in c.resources {
        u.resources.insert(
            (r.principal, r.event_source, r.event_name),
            Resources {
                arns: r.arns.into_iter().collect(),
                overflow: r.overflow,
                unnamed: r.unnamed,
                last: r.last,
                shapes: r.shapes.into_iter().collect(),
                shapes_incomplete: r.shapes_incomplete,
                events: r.events.into_iter().collect(),
            },
        );
    }
    Ok(u)
}
