//! `report.html`: one self-contained file (no network, no CDN, no external font) that opens in
//! any browser. Charts are SVG drawn here from aggregates (events per day, findings per
//! severity and rule), so the file stays small whatever the input; the findings table pages
//! and filters in a few lines of inline script over a JSON copy of the findings.
//!
//! Everything from the data is HTML-escaped ([`esc`]); the JSON is embedded in a
//! `<script type="application/json">` with `<` written as `\u003c`, so no value can close the
//! element or run as script.

use super::findings::Finding;
use super::summary::RunSummary;
use crate::finding::Severity;
use crate::recommend::Plan;
use crate::recommend::refine::Refinement;
use std::collections::BTreeMap;
use std::fmt::Write;

/// HTML-escapes text for element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "&#x{:x};", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// JSON for an inline `<script type="application/json">`: `<`, `>` and `&` as `\u` escapes.
fn script_json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn sev_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#b00020",
        Severity::High => "#e65100",
        Severity::Medium => "#b8860b",
        Severity::Low => "#1565c0",
        Severity::Info => "#607d8b",
    }
}

const SEVERITIES: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// Rules whose findings the timeline marks.
const MARKED: [&str; 4] = [
    "root-console-login",
    "root-api-call",
    "root-console-login-failed",
    "cloudtrail-tampering",
];

/// A horizontal bar chart (label, value, colour) as SVG.
fn bars(rows: &[(String, u64, &str)], title: &str) -> String {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let h = 22 * rows.len() + 10;
    let mut s = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"{}\" viewBox=\"0 0 640 {h}\" width=\"640\" height=\"{h}\">",
        esc(title)
    );
    for (i, (label, v, color)) in rows.iter().enumerate() {
        let y = 5 + i * 22;
        let w = (*v as f64 / max as f64 * 380.0).round().max(1.0);
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{}\" class=\"lbl\">{}</text><rect x=\"220\" y=\"{y}\" width=\"{w}\" height=\"16\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\" class=\"val\">{v}</text>",
            y + 13,
            esc(&super::terminal::shorten_middle(label, 34)),
            225.0 + w,
            y + 13
        );
    }
    s.push_str("</svg>");
    s
}

/// The timeline: events per day as bars, and the days of root, tampering and failed root
/// sign-in findings as marks.
fn timeline(days: &BTreeMap<i64, u64>, findings: &[Finding]) -> String {
    let (Some(first), Some(last)) = (days.keys().next(), days.keys().next_back()) else {
        return "<p class=\"muted\">No events with a delivery time.</p>".into();
    };
    // At most 400 bars: days are grouped into buckets on long runs.
    let span = (last - first + 1).max(1);
    let per = ((span + 399) / 400).max(1);
    let n = ((span + per - 1) / per) as usize;
    let mut buckets = vec![0u64; n];
    for (d, e) in days {
        buckets[((d - first) / per) as usize] += e;
    }
    let max = buckets.iter().copied().max().unwrap_or(1).max(1);
    let (w, h) = (800.0, 160.0);
    let bw = w / n as f64;
    let mut s = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"events per day\" viewBox=\"0 0 {w} {}\" width=\"{w}\" height=\"{}\">",
        h + 44.0,
        h + 44.0
    );
    for (i, v) in buckets.iter().enumerate() {
        let bh = (*v as f64 / max as f64 * (h - 10.0)).max(if *v > 0 { 1.0 } else { 0.0 });
        let day = first + i as i64 * per;
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#90a4ae\"><title>{}: {v} events</title></rect>",
            i as f64 * bw,
            h - bh,
            (bw - 1.0).max(0.5),
            day_label(day)
        );
    }
    // Marks.
    let mut marks: BTreeMap<(usize, &str), u64> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| MARKED.contains(&f.rule.as_str()))
    {
        for t in [&f.first_seen, &f.last_seen].into_iter().flatten() {
            if let Some(ms) = crate::time::parse_event_time(t) {
                let d = ms.div_euclid(crate::time::DAY_MS);
                if d >= *first && d <= *last {
                    *marks
                        .entry((((d - first) / per) as usize, f.rule.as_str()))
                        .or_default() += 1;
                }
            }
        }
    }
    for ((i, rule), n) in &marks {
        let (color, dy) = if rule.starts_with("cloudtrail") {
            ("#6a1b9a", 24.0)
        } else {
            ("#b00020", 12.0)
        };
        let _ = write!(
            s,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"5\" fill=\"{color}\"><title>{}: {}</title></circle>",
            *i as f64 * bw + bw / 2.0,
            h + dy,
            esc(rule),
            n
        );
    }
    let _ = write!(
        s,
        "<text x=\"0\" y=\"{}\" class=\"lbl\">{}</text><text x=\"{w}\" y=\"{}\" class=\"lbl\" text-anchor=\"end\">{}</text></svg>",
        h + 38.0,
        day_label(*first),
        h + 38.0,
        day_label(*last)
    );
    s.push_str("<p class=\"muted\">Bars: events per day of delivery (max ");
    let _ = write!(
        s,
        "{max}{}). Marks: <span style=\"color:#b00020\">●</span> root sign-in, API call or failed root sign-in; <span style=\"color:#6a1b9a\">●</span> CloudTrail tampering (first and last seen).</p>",
        if per > 1 {
            format!(", {per} days a bar")
        } else {
            String::new()
        }
    );
    s
}

fn day_label(d: i64) -> String {
    crate::time::format_ms(d * crate::time::DAY_MS)[..10].to_string()
}

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1c2833;background:#f6f8fa}
header{background:#1c2833;color:#fff;padding:16px 28px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#c5ced8}main{padding:8px 28px 40px;max-width:1280px}
section{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:12px 18px;margin:16px 0}
h2{font-size:17px;margin:4px 0 10px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eef1f4;vertical-align:top}
th{background:#f0f3f6;font-weight:600}td.num,th.num{text-align:right}
.sev{display:inline-block;min-width:64px;text-align:center;color:#fff;border-radius:3px;padding:0 6px;font-size:12px;font-weight:600}
.muted{color:#5d6d7e;font-size:12px}.chart{max-width:100%;height:auto}.chart .lbl,.chart .val{font-size:12px;fill:#34495e}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #dde3ea;border-radius:6px;padding:8px 14px;min-width:130px}
.card b{display:block;font-size:20px}code,pre{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}
pre{background:#f6f8fa;border:1px solid #dde3ea;padding:8px;overflow:auto;max-height:360px}
.diff-add{color:#1b5e20}.diff-del{color:#b71c1c}details>summary{cursor:pointer}
#filter{padding:5px 8px;width:320px;border:1px solid #c5ced8;border-radius:4px}
button{padding:4px 10px;border:1px solid #8395a7;background:#fff;border-radius:4px;cursor:pointer}
.pager{margin:8px 0;display:flex;gap:8px;align-items:center}.wrap{word-break:break-all}
"#;

const SCRIPT: &str = r#"
(function(){
  var data = JSON.parse(document.getElementById('findings-data').textContent);
  var body = document.getElementById('findings-body');
  var info = document.getElementById('page-info');
  var filter = document.getElementById('filter');
  var colors = {critical:'#b00020',high:'#e65100',medium:'#b8860b',low:'#1565c0',info:'#607d8b'};
  var page = 0, size = 50, shown = data;
  function el(tag, text, cls){ var e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; }
  function row(f){
    var tr = document.createElement('tr');
    var s = el('td'); var b = el('span', f.severity, 'sev'); b.style.background = colors[f.severity] || '#607d8b'; s.appendChild(b); tr.appendChild(s);
    var t = el('td'); t.appendChild(el('div', f.title));
    var d = document.createElement('details'); d.appendChild(el('summary', 'evidence and fix'));
    var dl = el('div', undefined, 'wrap');
    dl.appendChild(el('div', 'Fix: ' + f.remediation));
    if (f.source_ips.length) dl.appendChild(el('div', 'Source IPs: ' + f.source_ips.join(', ')));
    if (f.regions.length) dl.appendChild(el('div', 'Regions: ' + f.regions.join(', ')));
    if (f.event_ids.length) dl.appendChild(el('div', 'Event IDs' + (f.event_ids_truncated ? ' (first ' + f.event_ids.length + ' of ' + f.count + ')' : '') + ': ' + f.event_ids.join(', ')));
    Object.keys(f.evidence).forEach(function(k){ dl.appendChild(el('div', k + ': ' + f.evidence[k].map(String).join(', '))); });
    dl.appendChild(el('div', 'ID: ' + f.id, 'muted'));
    d.appendChild(dl); t.appendChild(d); tr.appendChild(t);
    tr.appendChild(el('td', f.rule));
    tr.appendChild(el('td', f.principal + (f.target ? '  [' + f.target + ']' : ''), 'wrap'));
    tr.appendChild(el('td', f.count ? String(f.count) + (f.count_unit === 'events' ? '' : ' ' + f.count_unit) : '-', 'num'));
    tr.appendChild(el('td', f.last_seen ? f.last_seen.replace('T', ' ').replace('Z', '') : '-'));
    return tr;
  }
  function render(){
    body.textContent = '';
    var pages = Math.max(1, Math.ceil(shown.length / size));
    if (page >= pages) page = pages - 1;
    shown.slice(page * size, (page + 1) * size).forEach(function(f){ body.appendChild(row(f)); });
    info.textContent = shown.length ? ('findings ' + (page * size + 1) + '-' + Math.min(shown.length, (page + 1) * size) + ' of ' + shown.length + ' (page ' + (page + 1) + ' of ' + pages + ')') : 'no findings match';
  }
  filter.addEventListener('input', function(){
    var q = filter.value.toLowerCase();
    shown = data.filter(function(f){ return (f.title + ' ' + f.rule + ' ' + f.principal + ' ' + (f.target || '') + ' ' + f.account + ' ' + f.severity).toLowerCase().indexOf(q) >= 0; });
    page = 0; render();
  });
  document.getElementById('prev').addEventListener('click', function(){ if (page > 0) { page--; render(); } });
  document.getElementById('next').addEventListener('click', function(){ page++; render(); });
  document.querySelectorAll('button.copy').forEach(function(btn){
    btn.addEventListener('click', function(){
      var text = document.getElementById(btn.getAttribute('data-for')).textContent;
      function done(){ btn.textContent = 'copied'; setTimeout(function(){ btn.textContent = 'copy'; }, 1500); }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function(){ btn.textContent = 'select and copy'; });
      } else { btn.textContent = 'select and copy'; }
    });
  });
  render();
})();
"#;

/// The report.
pub fn render(
    sum: &RunSummary,
    plans: &[Plan],
    refinements: &[Refinement],
    days: &BTreeMap<i64, u64>,
) -> String {
    let f = &sum.findings;
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\"><title>trailguard report: {} findings</title><style>{STYLE}</style></head><body>",
        f.len()
    );
    let _ = write!(
        h,
        "<header><h1>trailguard report</h1><p>{} events from {} objects of {} account(s) · {} findings · sources: {} · trailguard {}</p></header><main>",
        super::terminal::group_digits(sum.events),
        super::terminal::group_digits(sum.objects_read),
        sum.accounts.len(),
        f.len(),
        esc(&sum.sources.join(", ")),
        esc(&sum.version)
    );
    // The outcome.
    if !sum.exit_reasons.is_empty() {
        h.push_str("<section><h2>Outcome</h2><ul>");
        for r in &sum.exit_reasons {
            let _ = write!(h, "<li>{}</li>", esc(r));
        }
        let _ = write!(
            h,
            "</ul><p class=\"muted\">exit code {}</p></section>",
            sum.exit_code
        );
    }
    // Totals.
    h.push_str("<section><h2>Totals</h2><div class=\"cards\">");
    for s in SEVERITIES {
        let n = f.iter().filter(|x| x.severity == s).count();
        let _ = write!(
            h,
            "<div class=\"card\"><b style=\"color:{}\">{n}</b>{}</div>",
            sev_color(s),
            s.as_str()
        );
    }
    let _ = write!(
        h,
        "<div class=\"card\"><b>{}</b>events counted</div><div class=\"card\"><b>{}</b>duplicates</div><div class=\"card\"><b>{}</b>failed inputs</div><div class=\"card\"><b>{:.1}%</b>events with a known IAM action</div></div>",
        super::terminal::group_digits(sum.events),
        super::terminal::group_digits(sum.duplicates),
        sum.failed.len(),
        sum.mapping.events_resolved_share * 100.0
    );
    if !sum.rules_not_run.is_empty() {
        let mut by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for n in &sum.rules_not_run {
            by.entry(&n.reason).or_default().push(&n.rule);
        }
        h.push_str("<p>Rules that could not run:</p><ul class=\"muted\">");
        for (why, rules) in by {
            let _ = write!(h, "<li>{}: {}</li>", esc(why), esc(&rules.join(", ")));
        }
        h.push_str("</ul>");
    }
    h.push_str("</section>");
    // Timeline.
    let _ = write!(
        h,
        "<section><h2>Timeline</h2>{}</section>",
        timeline(days, f)
    );
    // Coverage per account.
    h.push_str("<section><h2>Coverage per account</h2><table><thead><tr><th>account</th><th class=\"num\">objects</th><th class=\"num\">events</th><th class=\"num\">findings</th><th>regions</th><th class=\"num\">region-hours delivered</th></tr></thead><tbody>");
    for a in &sum.accounts {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>",
            esc(&a.account),
            a.objects,
            a.events,
            a.findings,
            esc(&a.regions.join(", ")),
            a.hours_delivered
        );
    }
    h.push_str(
        "</tbody></table><p class=\"muted\">Hour by hour in coverage.parquet.</p></section>",
    );
    // Findings by severity and rule.
    let mut by_rule: BTreeMap<&str, (u64, Severity)> = BTreeMap::new();
    for x in f {
        let e = by_rule.entry(&x.rule).or_insert((0, x.severity));
        e.0 += 1;
        e.1 = e.1.max(x.severity);
    }
    let mut rule_rows: Vec<(String, u64, &str)> = by_rule
        .iter()
        .map(|(r, (n, s))| (r.to_string(), *n, sev_color(*s)))
        .collect();
    rule_rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    h.push_str("<section><h2>Findings</h2>");
    if !rule_rows.is_empty() {
        h.push_str(&bars(&rule_rows, "findings per rule"));
    }
    let _ = write!(
        h,
        "<div class=\"pager\"><input id=\"filter\" type=\"search\" placeholder=\"filter: rule, principal, account, severity...\" aria-label=\"filter findings\"><button id=\"prev\" type=\"button\">previous</button><button id=\"next\" type=\"button\">next</button><span id=\"page-info\" class=\"muted\"></span></div><table><thead><tr><th>severity</th><th>finding</th><th>rule</th><th>principal [target]</th><th class=\"num\">count</th><th>last seen (UTC)</th></tr></thead><tbody id=\"findings-body\"></tbody></table><script type=\"application/json\" id=\"findings-data\">{}</script></section>",
        script_json(f)
    );
    // Least privilege.
    if !plans.is_empty() || !refinements.is_empty() {
        h.push_str("<section><h2>Least privilege</h2><table><thead><tr><th>principal</th><th class=\"num\">granted</th><th class=\"num\">used</th><th class=\"num\">unused</th><th>riskiest unused</th><th>verified</th></tr></thead><tbody>");
        for p in plans {
            // The plan's unused-permissions finding (its counts), when there is one.
            let finding = f
                .iter()
                .find(|x| x.rule == "unused-permissions" && x.principal == p.arn);
            let ev = |k: &str| -> Vec<String> {
                finding
                    .and_then(|x| x.evidence.get(k))
                    .map(|vs| vs.iter().map(ToString::to_string).collect())
                    .unwrap_or_default()
            };
            let first = |k: &str| ev(k).into_iter().next().unwrap_or_else(|| "-".into());
            let verified = match &p.verification {
                Some(crate::recommend::Verification::Verified { .. }) => "yes".to_string(),
                Some(crate::recommend::Verification::Failed(why)) => format!("no: {why}"),
                None => "-".to_string(),
            };
            let risky: Vec<String> = ev("riskiest_unused").into_iter().take(5).collect();
            let _ = write!(
                h,
                "<tr><td class=\"wrap\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
                esc(&p.arn),
                esc(&first("granted_actions")),
                esc(&first("used_actions")),
                esc(&first("unused_actions")),
                esc(&risky.join(", ")),
                esc(&verified)
            );
        }
        h.push_str("</tbody></table>");
        for (i, p) in plans.iter().enumerate() {
            if p.documents.is_empty() {
                continue;
            }
            let doc = if p.documents.len() == 1 {
                serde_json::to_string_pretty(&p.documents[0])
            } else {
                serde_json::to_string_pretty(&p.documents)
            }
            .unwrap_or_default();
            let _ = write!(
                h,
                "<details><summary>suggested policy for {} </summary><p><button class=\"copy\" type=\"button\" data-for=\"policy-{i}\">copy</button> <span class=\"muted\">also in policies/{}/{}/{}.json</span></p><pre id=\"policy-{i}\">{}</pre><details><summary>report</summary><pre>{}</pre></details></details>",
                esc(&p.arn),
                esc(&p.account),
                esc(p.kind),
                esc(&p.name),
                esc(&doc),
                esc(&p.report)
            );
        }
        for (i, r) in refinements
            .iter()
            .enumerate()
            .filter(|(_, r)| r.outcome.writes())
        {
            let diff = super::refinements::diff(r);
            let mut lines = String::new();
            for l in diff.lines() {
                let cls = if l.starts_with('+') && !l.starts_with("+++") {
                    " class=\"diff-add\""
                } else if l.starts_with('-') && !l.starts_with("---") {
                    " class=\"diff-del\""
                } else {
                    ""
                };
                let _ = writeln!(lines, "<span{cls}>{}</span>", esc(l));
            }
            let _ = write!(
                h,
                "<details><summary>diff against today's {} ({})</summary><p><button class=\"copy\" type=\"button\" data-for=\"diff-{i}\">copy</button></p><pre id=\"diff-{i}\">{lines}</pre></details>",
                esc(&r.target.label()),
                esc(r.outcome.as_str(r.aws_managed()))
            );
        }
        h.push_str("</section>");
    }
    // Integrity.
    if !sum.integrity.is_empty() {
        h.push_str("<section><h2>Integrity</h2><table><tbody>");
        for (k, v) in &sum.integrity {
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=\"num\">{v}</td></tr>",
                esc(&k.replace('_', " "))
            );
        }
        let _ = write!(
            h,
            "</tbody></table><p class=\"muted\">checks: {}; file by file in integrity.parquet</p></section>",
            esc(&sum.integrity_checks.join(", "))
        );
    }
    // Failures.
    if !sum.failed.is_empty() {
        h.push_str("<section><h2>Inputs that failed</h2><table><thead><tr><th>input</th><th>reason</th></tr></thead><tbody>");
        for x in sum.failed.iter().take(200) {
            let _ = write!(
                h,
                "<tr><td class=\"wrap\">{}</td><td>{}</td></tr>",
                esc(&x.path),
                esc(&x.error)
            );
        }
        h.push_str("</tbody></table></section>");
    }
    let _ = writeln!(h, "</main><script>{SCRIPT}</script></body></html>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_cannot_break_out_of_the_page() {
        assert_eq!(esc("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
        let j = script_json(&vec!["</script><script>alert(1)</script>"]);
        assert!(!j.contains('<'), "{j}");
        assert!(!j.contains("</script"), "{j}");
    }
}
