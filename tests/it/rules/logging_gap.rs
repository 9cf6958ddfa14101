//! `logging-gap` on a generated organization: none on the clean corpus (its quiet hours recur),
//! one where eight hours of one account and region's objects were deleted, and the hours
//! named are the deleted ones.

use super::*;

#[test]
fn deleted_hours_of_one_stream_are_a_gap_and_recurring_quiet_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    trailguard_gen::generate(
        &corpus,
        &[
            "--accounts",
            "2",
            "--regions",
            "2",
            "--days",
            "6",
            "--events-per-day",
            "20000",
            "--seed",
            "3",
        ],
    )
    .expect("trailguard-gen");
    let src = corpus.display().to_string();
    let clean = scan(&[&src], &[], EXIT_OK);
    assert!(
        clean.of("logging-gap").is_empty(),
        "{:?}",
        clean.of("logging-gap")
    );
    // Delete the CloudTrail objects of the busiest us-east-1 stream delivered on 2024-01-03
    // from 08:00 to 15:59.
    let t = crate::common::parquet(&clean.out.path().join("coverage.parquet"));
    let busiest = crate::common::duckdb(&format!(
        "select account from {t} where region = 'us-east-1' group by 1 order by count(*) desc limit 1"
    ));
    let account = busiest[0]["account"].as_str().unwrap().to_string();
    let mut removed = 0;
    for e in walkdir::WalkDir::new(&corpus) {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        let stamp = format!("{account}_CloudTrail_us-east-1_20240103T");
        if let Some(rest) = name.strip_prefix(&stamp) {
            let hour: u32 = rest[..2].parse().unwrap();
            if (8..16).contains(&hour) {
                std::fs::remove_file(e.path()).unwrap();
                removed += 1;
            }
        }
    }
    assert!(removed > 0);
    let gapped = scan(&[&src], &[], EXIT_OK);
    let gaps = gapped.of("logging-gap");
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    let g = gaps[0];
    assert_eq!(g["account"], account.as_str());
    assert_eq!(g["regions"], serde_json::json!(["us-east-1"]));
    let ev = &g["evidence"];
    assert_eq!(
        ev["gap_start"],
        serde_json::json!(["2024-01-03T08:00:00Z"]),
        "{ev}"
    );
    assert_eq!(
        ev["gap_end"],
        serde_json::json!(["2024-01-03T16:00:00Z"]),
        "{ev}"
    );
    // A higher threshold lets it pass.
    let lax = scan(&[&src], &["--gap-hours", "12"], EXIT_OK);
    assert!(lax.of("logging-gap").is_empty());
}
