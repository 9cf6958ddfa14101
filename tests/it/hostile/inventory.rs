//! Hostile IAM inventory and credential-report text (issue 9, failures 4, 6 and 11): a
//! principal's ARN or name is data, never a path, a reason to abort, or terminal control.

use super::{EXIT_OK, ROOT, assert_code_in, findings_of, head, s, scan_run, summary_of};
use serde_json::Value;
use std::path::Path;

const LP_DETAILS: &str = "tests/fixtures/rules/least-privilege/details.json";
const LP_CLOUDTRAIL: &str = "tests/fixtures/rules/least-privilege/app-writer-cloudtrail.json";
const CLI_DETAILS: &str = "tests/fixtures/iam/auth-details-cli.json";
const CRED_REPORT: &str = "tests/fixtures/iam/credential-report.csv";

fn read_json(rel: &str) -> Value {
    let p = Path::new(ROOT).join(rel);
    serde_json::from_slice(&std::fs::read(&p).expect("fixture")).expect("fixture JSON")
}

/// The entries of `summary.inventory_rejected` as JSON text, one per entry.
fn rejected(summary: &Value) -> Vec<String> {
    summary["inventory_rejected"]
        .as_array()
        .map(|v| v.iter().map(|e| e.to_string()).collect())
        .unwrap_or_default()
}

/// Issue 9, failure 4: an ARN's account part was used as a folder name under `policies/`, so
/// `arn:aws:iam::/ABS/abs-escape:role/escape-abs` wrote `/ABS/abs-escape/role/escape-abs.txt` and
/// `arn:aws:iam::../../rel-escape:role/escape-rel` wrote two levels above `policies/`. The two
/// roles (copies of `app-writer` from the least-privilege fixture, whose own role stays) are
/// rejected instead: nothing is written outside --out, the run exits 0 with its outputs, and
/// `inventory_rejected` names both.
#[test]
fn hostile_arn_account_cannot_write_outside_out() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let abs_escape = tmp.path().join("abs-escape");
    let inputs = tmp.path().join("inputs");
    let work = tmp.path().join("work");
    std::fs::create_dir_all(&inputs).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let out = work.join("out");
    let mut details = read_json(LP_DETAILS);
    let base = details["RoleDetailList"][0].clone();
    let roles = details["RoleDetailList"].as_array_mut().unwrap();
    for (name, id, account) in [
        ("escape-abs", "AROAESCAPEABS0000001", s(&abs_escape)),
        (
            "escape-rel",
            "AROAESCAPEREL0000001",
            "../../rel-escape".to_string(),
        ),
    ] {
        let mut r = base.clone();
        r["RoleName"] = name.into();
        r["RoleId"] = id.into();
        r["Arn"] = format!("arn:aws:iam::{account}:role/{name}").into();
        roles.push(r);
    }
    let details_path = inputs.join("details.json");
    std::fs::write(&details_path, serde_json::to_vec_pretty(&details).unwrap()).unwrap();
    let run = scan_run(
        &[format!("{ROOT}/{LP_CLOUDTRAIL}")],
        &out,
        2,
        &["--iam-details", &s(&details_path), "--quiet"],
    );
    let code = super::exit_code(&run);
    // Checked first: whatever the exit, nothing may be outside --out.
    assert!(!abs_escape.exists(), "{} was created", abs_escape.display());
    assert!(
        !work.join("rel-escape").exists(),
        "{} was created",
        work.join("rel-escape").display()
    );
    let outside: Vec<String> = super::tree(tmp.path())
        .into_iter()
        .filter(|p| {
            !(p.starts_with("inputs") || p.starts_with("work/out") || p == Path::new("work"))
        })
        .map(|p| s(&p))
        .collect();
    assert!(
        outside.is_empty(),
        "files written outside --out: {outside:?}"
    );
    assert_eq!(code, EXIT_OK, "--- stderr\n{}", head(&run.stderr, 4000));
    let sm = summary_of(&out, &run);
    assert!(out.join("findings.jsonl").is_file());
    assert!(
        out.join("policies/111122223333/role/app-writer.json")
            .is_file(),
        "the valid role's policy is not written: {:?}",
        super::tree(&out)
    );
    let rej = rejected(&sm);
    for name in ["escape-abs", "escape-rel"] {
        assert!(
            rej.iter().any(|e| e.contains(name)),
            "inventory_rejected does not name {name}: {:#}",
            sm["inventory_rejected"]
        );
    }
}

/// Issue 9, failure 6: one principal aborted the whole run. A user whose name is 10,000
/// characters made writing `policies/.../<name>.txt` fail (`File name too long`): exit 1, no
/// summary.json, no findings. With that user and one whose name holds a NUL character added to
/// the CLI-form fixture, the run exits 0 with its outputs, the fixture's users are still judged
/// (carol-admin's admin-grant, bob's inline-policy-only), and `inventory_rejected` names both.
#[test]
fn hostile_one_bad_principal_does_not_abort_the_run() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut details = read_json(CLI_DETAILS);
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]
    });
    let long = "L".repeat(10_000);
    let users = details["UserDetailList"].as_array_mut().unwrap();
    for (i, name) in ["nul\u{0}user", long.as_str()].into_iter().enumerate() {
        users.push(serde_json::json!({
            "Path": "/",
            "UserName": name,
            "UserId": format!("AIDAHOSTILEUSER0000{i}"),
            "Arn": format!("arn:aws:iam::111122223333:user/{name}"),
            "CreateDate": "2021-03-15T10:22:31+00:00",
            "UserPolicyList": [{"PolicyName": "read", "PolicyDocument": policy}],
            "GroupList": [],
            "AttachedManagedPolicies": [],
            "Tags": []
        }));
    }
    let details_path = tmp.path().join("details.json");
    std::fs::write(&details_path, serde_json::to_vec(&details).unwrap()).unwrap();
    let out = tmp.path().join("out");
    let run = scan_run(
        &[format!("{ROOT}/tests/fixtures/good")],
        &out,
        2,
        &["--iam-details", &s(&details_path), "--quiet"],
    );
    assert_code_in(&run, &[EXIT_OK]);
    let sm = summary_of(&out, &run);
    let findings = findings_of(&out);
    for (rule, principal) in [
        ("admin-grant", "arn:aws:iam::111122223333:user/carol-admin"),
        (
            "inline-policy-only",
            "arn:aws:iam::111122223333:user/ci/bob",
        ),
    ] {
        assert!(
            findings
                .iter()
                .any(|f| f["rule"] == rule && f["principal"] == principal),
            "no {rule} finding for {principal}"
        );
    }
    let rej = rejected(&sm);
    assert!(
        rej.iter().any(|e| e.contains("nul")),
        "inventory_rejected does not name the NUL user: {}",
        head(&sm["inventory_rejected"].to_string(), 2000)
    );
    assert!(
        rej.iter().any(|e| e.contains("LLLLLLLLLLLLLLLL")),
        "inventory_rejected does not name the 10,000-character user: {}",
        head(&sm["inventory_rejected"].to_string(), 2000)
    );
}

/// A credential-report row: a user with a password in use and no MFA (user-without-mfa
/// flags it, naming the user's ARN on stdout), no access keys or certificates.
fn report_row(header: &[&str], name: &str) -> Vec<String> {
    header
        .iter()
        .map(|h| match *h {
            "user" => name.to_string(),
            "arn" => format!("arn:aws:iam::111122223333:user/{name}"),
            "user_creation_time" => "2021-03-15T10:22:31+00:00".into(),
            "password_enabled" => "true".into(),
            "password_last_used" => "2024-06-29T14:02:11+00:00".into(),
            "password_last_changed" => "2024-01-10T09:00:00+00:00".into(),
            "mfa_active"
            | "access_key_1_active"
            | "access_key_2_active"
            | "cert_1_active"
            | "cert_2_active" => "false".into(),
            _ => "N/A".into(),
        })
        .collect()
}

/// A CSV field, quoted when it holds a quote, comma or line break (RFC 4180).
fn csv_field(f: &str) -> String {
    if f.contains(['"', ',', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_string()
    }
}

/// Issue 9, failure 11: text from the inputs reached the terminal raw. A credential report with
/// a user named `=HYPERLINK("http://x","y")` (a spreadsheet formula) and one named
/// `ESC[31mred` (an ANSI colour escape): the findings table on stdout printed the ESC byte.
/// stdout and stderr hold no ESC byte (colours are off: NO_COLOR), findings.jsonl holds none
/// either, and its findings keep both names exactly, as JSON-escaped data.
#[test]
fn hostile_report_names_are_data_not_terminal_control() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let header_line = std::fs::read_to_string(Path::new(ROOT).join(CRED_REPORT))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let header: Vec<&str> = header_line.split(',').collect();
    let names = [
        "=HYPERLINK(\"http://x\",\"y\")",
        "\u{1b}[31mred",
        "plain-user",
    ];
    let mut csv = format!("{header_line}\n");
    for n in names {
        let row: Vec<String> = report_row(&header, n)
            .iter()
            .map(|f| csv_field(f))
            .collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    let report = tmp.path().join("report.csv");
    std::fs::write(&report, csv).unwrap();
    let out = tmp.path().join("out");
    let run = scan_run(&[], &out, 1, &["--credential-report", &s(&report)]);
    assert_code_in(&run, &[EXIT_OK]);
    assert!(
        !run.stdout.contains('\u{1b}'),
        "stdout holds a raw ESC byte:\n{}",
        run.stdout.replace('\u{1b}', "<ESC>")
    );
    assert!(
        !run.stderr.contains('\u{1b}'),
        "stderr holds a raw ESC byte:\n{}",
        run.stderr.replace('\u{1b}', "<ESC>")
    );
    let raw = std::fs::read(out.join("findings.jsonl")).unwrap();
    assert!(!raw.contains(&0x1b), "findings.jsonl holds a raw ESC byte");
    let findings = findings_of(&out);
    for n in names {
        let arn = format!("arn:aws:iam::111122223333:user/{n}");
        assert!(
            findings
                .iter()
                .any(|f| f["rule"] == "user-without-mfa" && f["principal"] == arn.as_str()),
            "no user-without-mfa finding for {arn:?} in findings.jsonl"
        );
    }
}
