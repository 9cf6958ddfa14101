#!/usr/bin/env bash
# Regenerates the bundled sample corpus in data-samples/ exactly (byte-identical files).
# Only data-samples/AWSLogs/ and data-samples/MANIFEST.txt are replaced (--force);
# README.md and this script are left alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo run --quiet --release --bin trailguard-gen -- \
    --out data-samples \
    --seed 7 \
    --accounts 2 \
    --regions 3 \
    --days 2 \
    --events-per-day 1500 \
    --events-per-file 100 \
    --start 2024-01-01 \
    --force >/dev/null
echo "data-samples/ regenerated ($(find data-samples/AWSLogs -type f | wc -l) files)"
