//! The `trailguard-gen` binary: see the library for what it writes.

fn main() -> std::process::ExitCode {
    trailguard_gen::exit_code(&trailguard_gen::run(std::env::args_os()))
}
