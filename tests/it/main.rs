//! trailguard's integration tests, in one binary (each test binary links the whole crate, so one
//! binary is the quickest to build): the CLI on fixtures with golden files, the analyst queries,
//! S3 against SeaweedFS, the nightly state, trail discovery against moto, and the detection
//! rules end to end. Servers are started on 127.0.0.1 by [`common`].

mod cli;
mod common;
mod differential;
mod hostile;
mod integrity;
mod paths;
mod queries;
mod report;
mod rules;
mod s3;
mod state;
mod trails;
