//! End-to-end scan throughput: `pipeline::scan` with 2 decoder threads over a small synthetic
//! organization-trail corpus on local disk (written once per run by `trailguard-gen` into a
//! temporary folder: 2 accounts x 2 regions x 2 days, 20,000 events, about 32 MB of JSON).
//!
//! Each iteration reads, gunzips, parses, deduplicates, aggregates, writes `activity.parquet`
//! and `summary.json`. The corpus is small enough to stay in the page cache, so this measures
//! the CPU side of the pipeline, not the disk. Throughput is in uncompressed bytes (MB/s).
//!
//! Run: `cargo bench --bench pipeline` (needs `[[bench]] name = "pipeline" harness = false`).

use clap::Parser;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;
use trailguard::cli::{Cli, Command as Sub};
use trailguard::pipeline::{ScanConfig, scan};

const THREADS: &str = "2";

/// Writes the corpus into `dir` with the generator binary built for this benchmark.
fn generate(dir: &Path) {
    trailguard_gen::generate(
        dir,
        &[
            "--seed",
            "11",
            "--accounts",
            "2",
            "--regions",
            "2",
            "--days",
            "2",
            "--events-per-day",
            "10000",
            "--events-per-file",
            "250",
            "--start",
            "2024-05-01",
            "--threads",
            THREADS,
        ],
    )
    .expect("trailguard-gen");
}

/// The configuration `trailguard scan <corpus> --out <out> --threads 2 --quiet` would run.
fn config(corpus: &Path, out: &Path) -> ScanConfig {
    let cli = Cli::try_parse_from([
        "trailguard".as_ref(),
        "scan".as_ref(),
        corpus.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--threads".as_ref(),
        THREADS.as_ref(),
        "--quiet".as_ref(),
    ])
    .expect("arguments");
    let Sub::Scan(args) = cli.command else {
        panic!("not a scan command")
    };
    args.to_config().expect("scan configuration")
}

fn bench_pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let corpus = dir.path().join("corpus");
    generate(&corpus);
    let cfg = config(&corpus, &dir.path().join("out"));
    // One scan first: checks the corpus reads cleanly and sizes the throughput.
    let first = scan(&cfg).expect("scan");
    assert!(first.failed.is_empty(), "failures: {:?}", first.failed);
    assert!(first.events > 19_000, "only {} events", first.events);
    eprintln!(
        "pipeline: {} objects, {} events, {} bytes uncompressed, {} compressed",
        first.objects_read, first.events, first.uncompressed_bytes, first.compressed_bytes
    );

    let mut g = c.benchmark_group("pipeline");
    // Flat sampling: about 0.1 s per scan, 10 samples fit in the measurement time.
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Bytes(first.uncompressed_bytes));
    g.bench_function("scan_local_2_threads", |b| {
        b.iter(|| {
            let s = scan(&cfg).expect("scan");
            assert_eq!(s.events, first.events);
            black_box(s.activity_rows)
        })
    });
    g.finish();
}

criterion_group!(benches, bench_pipeline);
criterion_main!(benches);
