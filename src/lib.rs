//! trailguard: reads AWS CloudTrail archives at the speed of the disk, finds IAM security
//! anti-patterns and tells each team which permissions to remove.
//!
//! The modules mirror the data flow:
//!
//! * [`source`]: list archives (local trees, `s3://` prefixes) in CloudTrail key order, pruned by
//!   the `AWSLogs/.../CloudTrail/<region>/<yyyy>/<mm>/<dd>/` layout, and fetch their bytes;
//! * [`decode`]: gunzip with a size cap, recognise the document shape, parse with `simd-json`
//!   into borrowed [`event::Event`] views;
//! * [`dedup`], [`activity`]: deduplicate by `eventID` and aggregate per principal, action, region
//!   and day;
//! * [`iam`]: the embedded IAM action catalog and the event -> action mapping;
//! * [`output`]: Parquet, `summary.json` and the human summary;
//! * [`pipeline`]: wires them together over threads with bounded memory;
//! * [`integrity`]: digest chains, signatures and log hashes (`verify`, `scan --verify`);
//! * [`state`]: what `--state` keeps between runs (ledger of objects read, usage).

pub mod activity;
pub mod cli;
pub mod coverage;
pub mod decode;
pub mod dedup;
pub mod detect;
pub mod error;
pub mod event;
pub mod event_id;
pub mod exclusions;
pub mod finding;
pub mod glob;
pub mod iam;
pub mod integrity;
pub mod outcome;
pub mod output;
pub mod paths;
pub mod pipeline;
pub mod progress;
pub mod recommend;
pub mod source;
pub mod state;
pub mod text;
pub mod time;
pub mod usage;
