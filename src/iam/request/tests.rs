use super::*;
use crate::event::Event;

fn actions_of(line: &str) -> (String, Vec<String>, Vec<String>) {
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    let case = v["case"].as_str().unwrap().to_string();
    let want: Vec<String> = v["expect"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    let mut buf = serde_json::to_vec(&v["event"]).unwrap();
    let tape = simd_json::to_tape(&mut buf).unwrap();
    let e = Event::from_value(tape.as_value()).unwrap();
    let f = facts(&e);
    let got = resolve(e.event_source.unwrap(), e.event_name.unwrap(), f)
        .unwrap_or_else(|| panic!("{case}: not resolved (facts {f:#x})"));
    let got = got
        .iter()
        .map(|id| catalog().get(*id).full_name())
        .collect();
    (case, want, got)
}

/// One fixture per case: `tests/fixtures/iam/conditional-actions.jsonl`.
#[test]
fn every_fixture_case_resolves_to_exactly_its_actions() {
    let text = include_str!("../../../tests/fixtures/iam/conditional-actions.jsonl");
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (case, mut want, mut got) = actions_of(line);
        want.sort();
        got.sort();
        assert_eq!(got, want, "{case}");
        n += 1;
    }
    assert!(n >= 25, "{n} cases");
}

#[test]
fn every_rule_names_a_catalog_action_and_every_conditional_event_of_the_bundle_has_rows() {
    for r in RULES {
        assert!(catalog().lookup(r.action).is_some(), "{}", r.action);
    }
    // The events the shared bundle marks as conditional (HeadBucket's only action is
    // unconditional in practice).
    for (s, n) in [
        ("s3.amazonaws.com", "HeadObject"),
        ("s3.amazonaws.com", "DeleteObjects"),
        ("s3.amazonaws.com", "CopyObject"),
        ("dynamodb.amazonaws.com", "ExecuteStatement"),
        ("dynamodb.amazonaws.com", "BatchExecuteStatement"),
        ("dynamodb.amazonaws.com", "ExecuteTransaction"),
        ("dynamodb.amazonaws.com", "TransactWriteItems"),
        ("timestream.amazonaws.com", "Query"),
    ] {
        assert!(is_conditional(s, n), "{s} {n}");
    }
}

#[test]
fn other_events_keep_the_mapping_table() {
    assert_eq!(resolve("s3.amazonaws.com", "ListBuckets", 0), None);
    assert_eq!(resolve("s3.amazonaws.com", "HeadObject", 0), None);
    assert_eq!(partiql("CALL x"), UNKNOWN);
    assert_eq!(timestream("EXPLAIN x"), UNKNOWN);
}
