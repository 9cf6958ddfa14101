use super::dir::{CURRENT, CURRENT_TMP};
use super::manifest::COMPLETE;
use super::*;
use crate::usage::{
    ActionUse, KeyChange, KeyEvent, PrincipalActions, PrincipalUse, Resources, Span,
};

fn usage_sample() -> Usage {
    let mut u = Usage::default();
    let mut actions = BTreeMap::new();
    actions.insert(
        Arc::from("s3:GetObject"),
        ActionUse {
            count: 3,
            denied: 1,
            first: Some(1_000),
            last: Some(5_000),
            denied_first: Some(2_000),
            denied_last: Some(2_000),
        },
    );
    actions.insert(
        Arc::from("iam:ListUsers"),
        ActionUse {
            count: 1,
            denied: 0,
            first: Some(100),
            last: Some(100),
            denied_first: None,
            denied_last: None,
        },
    );
    u.actions.insert(
        Arc::from("arn:aws:iam::111122223333:user/alice"),
        PrincipalActions {
            account: "111122223333".into(),
            principal_type: "IAMUser".into(),
            actions,
        },
    );
    u.principals.insert(
        Arc::from("arn:aws:iam::111122223333:user/alice"),
        PrincipalUse {
            account: "111122223333".into(),
            principal_type: "IAMUser".into(),
            span: Span {
                first: 100,
                last: 5_000,
                count: 5,
            },
        },
    );
    u.data_sources
        .insert(("111122223333".into(), "s3.amazonaws.com".into()));
    u.data_source_last
        .insert(("111122223333".into(), "s3.amazonaws.com".into()), 5_000);
    u.resources.insert(
        (
            "arn:aws:iam::111122223333:user/alice".into(),
            "s3.amazonaws.com".into(),
            "GetObject".into(),
        ),
        Resources {
            arns: ["arn:aws:s3:::b/k".to_string()].into_iter().collect(),
            overflow: false,
            unnamed: false,
            last: Some(5_000),
            shapes: ["arn:aws:s3:::b/*".to_string()].into_iter().collect(),
            shapes_incomplete: false,
            events: Default::default(),
        },
    );
    u.key_events.push(KeyEvent {
        key: "AKIAOLD".into(),
        time: 50,
        change: KeyChange::Deleted,
        account: "111122223333".into(),
        user_name: Some("alice".into()),
        actor: "arn:aws:iam::111122223333:user/admin".into(),
        event_id: None,
        source_ip: None,
    });
    u.newest = Some(5_000);
    u.oldest = Some(50);
    u
}

fn dump(u: &Usage) -> String {
    let dir = tempfile::tempdir().unwrap();
    write_usage(&dir.path().join("u"), u).unwrap();
    write_context(&dir.path().join("c"), u).unwrap();
    let a = std::fs::read(dir.path().join("c")).unwrap();
    let mut back = read_context(&dir.path().join("c")).unwrap();
    read_usage(&dir.path().join("u"), &mut back).unwrap();
    let mut acts: Vec<String> = back
        .actions
        .iter()
        .flat_map(|(p, pa)| {
            pa.actions
                .iter()
                .map(move |(a, u)| format!("{p} {a} {u:?}"))
        })
        .collect();
    acts.sort();
    format!("{}\n{}", String::from_utf8_lossy(&a), acts.join("\n"))
}

#[test]
fn usage_round_trips_through_the_files() {
    let u = usage_sample();
    let dir = tempfile::tempdir().unwrap();
    write_usage(&dir.path().join("u"), &u).unwrap();
    write_context(&dir.path().join("c"), &u).unwrap();
    let mut back = read_context(&dir.path().join("c")).unwrap();
    read_usage(&dir.path().join("u"), &mut back).unwrap();
    assert_eq!(dump(&u), dump(&back));
    assert_eq!(
        back.actions["arn:aws:iam::111122223333:user/alice"].actions["s3:GetObject"].denied,
        1
    );
}

#[test]
fn absorbing_twice_doubles_counts_and_aging_drops_old_use() {
    let mut a = usage_sample();
    a.absorb(usage_sample());
    a.finish();
    let u = a.actions["arn:aws:iam::111122223333:user/alice"].actions["s3:GetObject"];
    assert_eq!((u.count, u.first, u.last), (6, Some(1_000), Some(5_000)));
    let aged = a.age_out(1_000);
    assert_eq!(aged.actions, 1, "iam:ListUsers last used at 100");
    assert_eq!(aged.key_events, 1, "AKIAOLD was deleted before the window");
    assert_eq!(aged.resources, 0);
    assert!(
        a.principals
            .contains_key("arn:aws:iam::111122223333:user/alice")
    );
    let aged = a.age_out(6_000);
    assert_eq!((aged.actions, aged.resources, aged.data_sources), (1, 1, 1));
    assert!(a.actions.is_empty() && a.data_sources.is_empty());
}

#[test]
fn ledger_and_event_ids_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let rows = vec![
        LedgerEntry {
            id: u128::MAX - 7,
            stream: Some("s3://b/AWSLogs/1/CloudTrail/us-east-1/".into()),
            day: Some(19_800),
        },
        LedgerEntry {
            id: 3,
            stream: None,
            day: None,
        },
    ];
    write_ledger(&dir.path().join("l"), &rows).unwrap();
    assert_eq!(read_ledger(&dir.path().join("l")).unwrap(), rows);
    let ids = vec![(crate::activity::NO_DAY, 1u128), (19_800, u128::MAX)];
    write_event_ids(&dir.path().join("e"), &ids).unwrap();
    assert_eq!(read_event_ids(&dir.path().join("e")).unwrap(), ids);
    write_ledger(&dir.path().join("empty"), &[]).unwrap();
    assert!(read_ledger(&dir.path().join("empty")).unwrap().is_empty());
}

fn commit_empty(dir: &Path) -> StateSummary {
    let st = State::open(dir, &Selection::default()).unwrap();
    st.commit(&usage_sample(), &Dedup::new(), None, 90).unwrap()
}

#[test]
fn generations_switch_and_leftovers_are_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("state");
    assert_eq!(commit_empty(&d).written_generation, 1);
    assert_eq!(
        std::fs::read_to_string(d.join(CURRENT)).unwrap().trim(),
        "gen-1"
    );
    // A killed run's half-written generation and pointer.
    std::fs::create_dir(d.join("gen-2")).unwrap();
    std::fs::write(d.join("gen-2/usage.parquet"), b"PAR").unwrap();
    std::fs::write(d.join(CURRENT_TMP), b"gen-").unwrap();
    let st = State::open(&d, &Selection::default()).unwrap();
    assert!(st.has_history());
    let mut cleaned = st.summary().cleaned;
    cleaned.sort();
    assert_eq!(cleaned, [CURRENT_TMP, "gen-2"]);
    let s = st.commit(&usage_sample(), &Dedup::new(), None, 90).unwrap();
    assert_eq!((s.loaded_generation, s.written_generation), (1, 2));
    assert!(!d.join("gen-1").exists(), "the old generation is removed");
    assert!(d.join("gen-2").join(COMPLETE).exists());
}

#[test]
fn the_dedup_seed_is_kept_from_run_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("state");
    // First run: a fresh secret seed, written to the manifest.
    let st = State::open(&d, &Selection::default()).unwrap();
    let dedup = st.dedup();
    let seed = dedup.seed();
    assert_ne!(seed, crate::dedup::LEGACY_SEED);
    st.commit(&usage_sample(), &dedup, None, 90).unwrap();
    // Next run: the same seed, so the keys it stored match.
    let st = State::open(&d, &Selection::default()).unwrap();
    assert_eq!(st.dedup().seed(), seed);
    let manifest = std::fs::read_to_string(d.join("gen-1").join(COMPLETE)).unwrap();
    assert!(manifest.contains("dedup_seed"), "{manifest}");
    // A state written before the seed was kept reads with the legacy constants.
    let mut m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    m.as_object_mut().unwrap().remove("dedup_seed");
    std::fs::write(d.join("gen-1").join(COMPLETE), m.to_string()).unwrap();
    drop(st);
    let st = State::open(&d, &Selection::default()).unwrap();
    assert_eq!(st.dedup().seed(), crate::dedup::LEGACY_SEED);
}

#[test]
fn damaged_states_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("state");
    commit_empty(&d);
    std::fs::write(d.join(CURRENT), b"\x00garbage").unwrap();
    let e = format!(
        "{:#}",
        State::open(&d, &Selection::default()).err().unwrap()
    );
    assert!(e.contains("CURRENT") && e.contains("garbled"), "{e}");
    std::fs::write(d.join(CURRENT), b"gen-1\n").unwrap();
    std::fs::remove_file(d.join("gen-1").join(COMPLETE)).unwrap();
    let e = format!(
        "{:#}",
        State::open(&d, &Selection::default()).err().unwrap()
    );
    assert!(e.contains("gen-1/COMPLETE"), "{e}");
    // A folder that is not a state.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("notes.txt"), b"x").unwrap();
    let e = format!(
        "{:#}",
        State::open(&other, &Selection::default()).err().unwrap()
    );
    assert!(e.contains("CURRENT is missing"), "{e}");
    // Other filters.
    let d2 = dir.path().join("s2");
    commit_empty(&d2);
    let sel = Selection {
        accounts: Some(vec!["111122223333".into()]),
        ..Default::default()
    };
    let e = format!("{:#}", State::open(&d2, &sel).err().unwrap());
    assert!(e.contains("--accounts"), "{e}");
}

#[test]
fn one_run_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let st = State::open(dir.path(), &Selection::default()).unwrap();
    let e = format!(
        "{:#}",
        State::open(dir.path(), &Selection::default())
            .err()
            .unwrap()
    );
    assert!(
        e.contains("LOCK") && e.contains("another trailguard run"),
        "{e}"
    );
    drop(st);
    assert!(State::open(dir.path(), &Selection::default()).is_ok());
}
