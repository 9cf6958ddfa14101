//! The `trailguard-gen` binary: see the library for what it writes.

fn main() -> anyhow::Result<()> {
    trailguard_gen::run(std::env::args_os())
}
