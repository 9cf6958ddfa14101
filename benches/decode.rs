//! Decoding throughput: `Decoder::decode` on one in-memory CloudTrail object of 1,000 realistic
//! events (about 1.7 KB each), plain and gzipped, and each stage on its own: gunzip per
//! backend, parse (simd-json's tape, which the decoder uses, against sonic-rs's lazy parse
//! that skips the subtrees it is not asked for), and deduplication.
//!
//! Throughput is in uncompressed bytes, so every figure reads as MB/s of event JSON (the
//! dedup bench counts events).
//!
//! Run: `cargo bench --bench decode` (needs `[[bench]] name = "decode" harness = false`).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::io::Write;
use std::time::Duration;
use trailguard::decode::{Decoder, Limits, gunzip_capped};
use trailguard::event::Event;

/// The fields `Event::from_value` reads, as sonic-rs reads them lazily: strings borrowed (or
/// unescaped when they must be), the nested documents kept as unparsed slices.
#[derive(serde::Deserialize)]
#[allow(non_snake_case, dead_code)]
struct LazyIdentity<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    principalId: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    arn: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    accountId: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    accessKeyId: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    userName: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    invokedBy: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    sessionContext: Option<sonic_rs::LazyValue<'a>>,
}

#[derive(serde::Deserialize)]
#[allow(non_snake_case, dead_code)]
struct LazyEvent<'a> {
    #[serde(borrow)]
    eventVersion: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    eventTime: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    eventSource: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    eventName: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    awsRegion: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    sourceIPAddress: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    userAgent: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    eventID: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    eventType: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    errorCode: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    errorMessage: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    recipientAccountId: Option<std::borrow::Cow<'a, str>>,
    readOnly: Option<bool>,
    managementEvent: Option<bool>,
    #[serde(borrow)]
    eventCategory: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    userIdentity: Option<LazyIdentity<'a>>,
    #[serde(borrow)]
    requestParameters: Option<sonic_rs::LazyValue<'a>>,
    #[serde(borrow)]
    responseElements: Option<sonic_rs::LazyValue<'a>>,
    #[serde(borrow)]
    additionalEventData: Option<sonic_rs::LazyValue<'a>>,
    #[serde(borrow)]
    resources: Option<sonic_rs::LazyValue<'a>>,
}

#[derive(serde::Deserialize)]
#[allow(non_snake_case)]
struct LazyDocument<'a> {
    #[serde(borrow)]
    Records: Vec<LazyEvent<'a>>,
}

const EVENTS: usize = 1_000;

const NAMES: [(&str, &str); 8] = [
    ("s3.amazonaws.com", "GetObject"),
    ("ec2.amazonaws.com", "DescribeInstances"),
    ("sts.amazonaws.com", "AssumeRole"),
    ("lambda.amazonaws.com", "GetFunction20150331v2"),
    ("iam.amazonaws.com", "ListRoles"),
    ("kms.amazonaws.com", "Decrypt"),
    ("dynamodb.amazonaws.com", "PutItem"),
    ("logs.amazonaws.com", "PutLogEvents"),
];

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One event of an assumed-role session, with the nested documents real events carry.
fn event(i: usize) -> String {
    let (source, name) = NAMES[i % NAMES.len()];
    let account = ["111122223333", "444455556666", "777788889999"][i % 3];
    let role = ["deployer", "analytics", "ops-admin", "ci-runner"][i % 4];
    let region = ["us-east-1", "eu-west-1", "ap-southeast-2"][i % 3];
    let (s, m) = (i % 60, (i / 60) % 60);
    // Random-looking IDs, keys and addresses, as in real logs (they set the gzip ratio).
    let r = |k: u64| splitmix64(((i as u64) << 8) | k);
    let error = if i.is_multiple_of(17) {
        r#""errorCode":"AccessDenied","errorMessage":"User is not authorized to perform this action on the requested resource because no identity-based policy allows it","#
    } else {
        ""
    };
    format!(
        concat!(
            r#"{{"eventVersion":"1.09","userIdentity":{{"type":"AssumedRole","principalId":"AROAEXAMPLEID{i:07}:session-{i}","#,
            r#""arn":"arn:aws:sts::{account}:assumed-role/{role}/session-{i}","accountId":"{account}","accessKeyId":"ASIA{key}","#,
            r#""sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROAEXAMPLEID{i:07}","#,
            r#""arn":"arn:aws:iam::{account}:role/{role}","accountId":"{account}","userName":"{role}"}},"#,
            r#""attributes":{{"creationDate":"2024-05-01T09:{m:02}:{s:02}Z","mfaAuthenticated":"false"}}}}}},"#,
            r#""eventTime":"2024-05-01T10:{m:02}:{s:02}Z","eventSource":"{source}","eventName":"{name}","awsRegion":"{region}","#,
            r#""sourceIPAddress":"{ip}","userAgent":"aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 api/{name}","#,
            r#"{error}"requestParameters":{{"bucketName":"example-data-{account}","key":"prefix/{i}/object-{i}.parquet","#,
            r#""Host":"example-data-{account}.s3.{region}.amazonaws.com"}},"#,
            r#""responseElements":null,"#,
            r#""additionalEventData":{{"SignatureVersion":"SigV4","CipherSuite":"TLS_AES_128_GCM_SHA256","bytesTransferredIn":0,"#,
            r#""AuthenticationMethod":"AuthHeader","x-amz-id-2":"{amzid}","bytesTransferredOut":{bytes}}},"#,
            r#""requestID":"{reqid}","eventID":"{uuid}","readOnly":true,"#,
            r#""resources":[{{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::example-data-{account}/prefix/{i}/object-{i}.parquet"}},"#,
            r#"{{"accountId":"{account}","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::example-data-{account}"}}],"#,
            r#""eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"{account}","eventCategory":"Data","#,
            r#""tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","#,
            r#""clientProvidedHostHeader":"example-data-{account}.s3.{region}.amazonaws.com"}}}}"#
        ),
        i = i,
        account = account,
        role = role,
        region = region,
        source = source,
        name = name,
        s = s,
        m = m,
        ip = format!(
            "{}.{}.{}.{}",
            r(1) % 223 + 1,
            r(2) % 256,
            r(3) % 256,
            r(4) % 254 + 1
        ),
        amzid = format!("{:016x}{:016x}{:016x}", r(5), r(6), r(7)),
        reqid = format!("{:016X}", r(8)),
        key = format!("{:016X}", r(9)),
        error = error,
        bytes = 1000 + i * 7,
        uuid = format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            r(10) as u32,
            r(11) as u16,
            r(12) & 0xfff,
            r(13) & 0xfff,
            r(14) & 0xffff_ffff_ffff
        ),
    )
}

/// A `{"Records": [...]}` document of `n` events.
fn document(n: usize) -> Vec<u8> {
    let events: Vec<String> = (0..n).map(event).collect();
    format!("{{\"Records\":[{}]}}", events.join(",")).into_bytes()
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(b).expect("gzip");
    e.finish().expect("gzip")
}

fn bench_decode(c: &mut Criterion) {
    let plain = document(EVENTS);
    let gz = gzip(&plain);
    let per_event = plain.len() / EVENTS;
    assert!(
        (1_400..2_100).contains(&per_event),
        "events should be about 1.7 KB, got {per_event} bytes"
    );
    // Check once that every event is seen, so the benchmark measures real work.
    let mut d = Decoder::new(Limits::default());
    let mut n = 0;
    d.decode(&gz, |_| n += 1).expect("decode");
    assert_eq!(n, EVENTS);
    eprintln!(
        "decode: {EVENTS} events, {} bytes plain ({per_event} B/event), {} bytes gzipped",
        plain.len(),
        gz.len()
    );

    let mut g = c.benchmark_group("decode");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Bytes(plain.len() as u64));

    let mut decoder = Decoder::new(Limits::default());
    g.bench_function("records_plain", |b| {
        b.iter_batched(
            || plain.clone(),
            |raw| {
                let mut seen = 0u64;
                let r = decoder
                    .decode(&raw, |e| seen += e.event_name.map_or(0, |s| s.len() as u64))
                    .expect("decode");
                black_box((seen, r.records))
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("records_gzip", |b| {
        b.iter_batched(
            || gz.clone(),
            |raw| {
                let mut seen = 0u64;
                let r = decoder
                    .decode(&raw, |e| seen += e.event_name.map_or(0, |s| s.len() as u64))
                    .expect("decode");
                black_box((seen, r.records))
            },
            BatchSize::LargeInput,
        )
    });
    // The same, also attributing every event to its principal (what aggregation does).
    g.bench_function("records_gzip_with_principal", |b| {
        b.iter_batched(
            || gz.clone(),
            |raw| {
                let mut seen = 0usize;
                let r = decoder
                    .decode(&raw, |e| {
                        seen += trailguard::activity::principal_string(e.principal()).len()
                    })
                    .expect("decode");
                black_box((seen, r.records))
            },
            BatchSize::LargeInput,
        )
    });
    // gunzip per backend: what the decoder uses (libdeflate whole-buffer, falling back to
    // streaming), each backend alone, so a regression in one shows on its own.
    let mut out = Vec::new();
    g.bench_function("gunzip_capped", |b| {
        b.iter(|| {
            gunzip_capped(black_box(&gz), 1 << 30, &mut out).expect("gunzip");
            black_box(out.len())
        })
    });
    g.bench_function("gunzip_libdeflate_whole", |b| {
        b.iter(|| {
            assert!(trailguard::decode::gunzip::inflate_whole(
                black_box(&gz),
                1 << 30,
                &mut out
            ));
            black_box(out.len())
        })
    });
    g.bench_function("gunzip_flate2_streaming", |b| {
        b.iter(|| {
            let r = trailguard::decode::gunzip::gunzip_stream(black_box(&gz), 1 << 30, &mut out);
            assert!(matches!(r, Ok(None)));
            black_box(out.len())
        })
    });
    // Parse alone, from a padded copy of the plain document: the tape and `Event::from_value`
    // for every record (the decoder's way), against sonic-rs reading the same fields and
    // skipping the nested documents without building them.
    let mut buf = Vec::with_capacity(plain.len() + simd_json::INPUT_PADDING);
    let mut buffers = simd_json::Buffers::new(plain.len());
    let mut tape = simd_json::Tape::null().reset();
    g.bench_function("parse_simd_json_tape", |b| {
        b.iter(|| {
            buf.clear();
            buf.extend_from_slice(&plain);
            buf.resize(plain.len() + simd_json::INPUT_PADDING, 0);
            let mut t = std::mem::replace(&mut tape, simd_json::Tape::null().reset()).reset();
            simd_json::fill_tape_padded(&mut buf, plain.len(), &mut buffers, &mut t)
                .expect("parse");
            let mut seen = 0usize;
            {
                let records = t.as_value().get("Records").expect("Records");
                for v in records.as_array().expect("array").iter() {
                    let e = Event::from_value(v).expect("event");
                    seen +=
                        e.event_name.map_or(0, str::len) + usize::from(e.user_identity.is_some());
                }
            }
            tape = t.reset();
            black_box(seen)
        })
    });
    let text = std::str::from_utf8(&plain).expect("utf-8");
    g.bench_function("parse_sonic_rs_lazy", |b| {
        b.iter(|| {
            let d: LazyDocument<'_> = sonic_rs::from_str(black_box(text)).expect("parse");
            let seen: usize = d
                .Records
                .iter()
                .map(|e| {
                    e.eventName.as_deref().map_or(0, str::len)
                        + usize::from(e.userIdentity.is_some())
                })
                .sum();
            black_box(seen)
        })
    });
    g.finish();

    // Deduplication alone: the key of every event (its ID mixed with its content), the check
    // against the set, and the commit of the object's new keys, into a fresh set each time.
    let owned: Vec<[String; 5]> = (0..EVENTS)
        .map(|i| {
            let v: serde_json::Value = serde_json::from_str(&event(i)).expect("event json");
            [
                "eventID",
                "eventTime",
                "eventSource",
                "eventName",
                "recipientAccountId",
            ]
            .map(|k| v[k].as_str().expect("string field").to_string())
        })
        .collect();
    let events: Vec<Event<'_, '_>> = owned
        .iter()
        .map(|[id, time, source, name, account]| Event {
            event_id: Some(id),
            event_time: Some(time),
            time_ms: trailguard::time::parse_event_time(time),
            event_source: Some(source),
            event_name: Some(name),
            recipient_account_id: Some(account),
            ..Default::default()
        })
        .collect();
    let mut g = c.benchmark_group("dedup");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Elements(EVENTS as u64));
    g.bench_function("key_check_commit", |b| {
        b.iter_batched(
            trailguard::dedup::Dedup::new,
            |dedup| {
                let mut pending = Vec::with_capacity(events.len());
                for e in &events {
                    let day = trailguard::time::day_of(e.time_ms.expect("time"));
                    let key = dedup.event_key(e).expect("key");
                    if !dedup.contains(day, key) {
                        pending.push((day, key));
                    }
                }
                trailguard::dedup::sort_for_commit(&mut pending);
                let taken = dedup.commit_sorted(&pending);
                assert!(taken.is_empty());
                black_box(dedup.len())
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench_decode);
criterion_main!(benches);
