#!/usr/bin/env python3
"""Least-privilege figures on a generated organization (issue 10).

Generates a corpus with trailguard-gen (16 accounts, about 200 IAM users and roles), writes an
authorization-details file for every user and role it shows acting (a realistic mix: AWS managed
AdministratorAccess / PowerUserAccess / ReadOnlyAccess-like policies, customer managed team
policies shared across principals, inline service-wide policies), runs `trailguard scan
--iam-details` and prints, as Markdown: actions granted, used, suggested (observed / inferred /
kept-unobservable), the share of suggested actions scoped to ARNs, the replay's results and
the refinements of the existing policies.

usage: python3 benches/least-privilege-org.py [--work DIR] [--accounts N] [--days D]
Needs the release binaries (cargo build --release) and the duckdb Python module.
"""
import argparse
import glob
import json
import re
import os
import subprocess
import sys

import duckdb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
POWER = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole",
                                   "iam:ListRoles", "organizations:DescribeOrganization",
                                   "account:ListRegions"], "Resource": "*"}]}
READ = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["*:Describe*", "*:Get*", "*:List*"], "Resource": "*"}]}
AWS_POLICIES = {"AdministratorAccess": ADMIN, "PowerUserAccess": POWER, "ReadOnlyAccess": READ}


def managed(arn, name, doc, count):
    return {"PolicyName": name, "PolicyId": "ANPA" + name.upper()[:17], "Arn": arn, "Path": "/",
            "DefaultVersionId": "v1", "AttachmentCount": count, "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True, "CreateDate": "2023-01-01T00:00:00Z",
            "UpdateDate": "2023-01-01T00:00:00Z",
            "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": True,
                                   "CreateDate": "2023-01-01T00:00:00Z"}]}


def services_doc(services, extra=()):
    acts = sorted({f"{s}:*" for s in services} | set(extra))
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": acts, "Resource": "*"}]}


def details(activity):
    con = duckdb.connect()
    rows = con.execute(
        f"select account, principal, principal_type, list(distinct split_part(iam_action, ':', 1)) "
        f"from read_parquet('{activity}') where principal_type in ('IAMUser', 'Role') "
        f"and iam_action is not null and principal not like '%HIDDEN_DUE_TO%' group by all").fetchall()
    by_account = {}
    for account, principal, ptype, services in rows:
        services = sorted({s.split(",")[0] for s in services if s})
        by_account.setdefault(account, []).append((principal, ptype, services))
    docs = []
    for account, principals in sorted(by_account.items()):
        users, roles, policies, attached_count = [], [], {}, {}

        def attach(name, doc, aws):
            arn = f"arn:aws:iam::aws:policy/{name}" if aws else f"arn:aws:iam::{account}:policy/{name}"
            attached_count[arn] = attached_count.get(arn, 0) + 1
            policies[arn] = (name, doc)
            return {"PolicyName": name, "PolicyArn": arn}

        for principal, ptype, services in sorted(principals):
            name = principal.rsplit("/", 1)[1]
            path = "/" + "/".join(principal.split(":", 5)[5].split("/")[1:-1])
            path = path + "/" if path != "/" else "/"
            inline, att = [], []
            if "admin" in name.lower() or "AdministratorAccess" in name:
                att.append(attach("AdministratorAccess", ADMIN, True))
            elif name in ("bob.dev", "ADFS-Developers") or "Developer" in name:
                att.append(attach("PowerUserAccess", POWER, True))
            elif name in ("monitoring-agent", "CrossAccountAuditRole") or "ReadOnly" in name:
                att.append(attach("ReadOnlyAccess", READ, True))
            elif name == "ci-deploy":
                att.append(attach("deploy", services_doc(services + ["cloudformation", "lambda", "s3"],
                                                         ["iam:PassRole"]), False))
            elif name == "legacy-backup":
                inline.append({"PolicyName": "backup", "PolicyDocument": services_doc(services + ["s3"])})
            else:
                # A team policy for every principal of that name, with the services it uses and
                # two it does not.
                att.append(attach(f"team-{name}"[:120], services_doc(services + ["sqs", "sns"]), False))
                inline.append({"PolicyName": "extra", "PolicyDocument": services_doc(
                    services[:1], ["iam:CreateUser", "iam:AttachUserPolicy"])})
            if ptype == "IAMUser":
                users.append({"UserName": name, "UserId": "AIDA" + str(abs(hash(principal)))[:17],
                              "Arn": principal, "Path": path, "CreateDate": "2023-01-01T00:00:00Z",
                              "UserPolicyList": inline, "GroupList": [],
                              "AttachedManagedPolicies": att, "Tags": []})
            else:
                roles.append({"RoleName": name, "RoleId": "AROA" + str(abs(hash(principal)))[:17],
                              "Arn": principal, "Path": path, "CreateDate": "2023-01-01T00:00:00Z",
                              "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                                  {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                   "Action": "sts:AssumeRole"}]},
                              "RolePolicyList": inline, "AttachedManagedPolicies": att,
                              "InstanceProfileList": [], "Tags": [], "RoleLastUsed": {}})
        docs.append({"UserDetailList": users, "GroupDetailList": [], "RoleDetailList": roles,
                     "Policies": [managed(arn, n, d, attached_count[arn])
                                  for arn, (n, d) in sorted(policies.items())],
                     "IsTruncated": False})
    return docs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", default="/tmp/trailguard-lp-org")
    ap.add_argument("--accounts", type=int, default=16)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--profile", default="release")
    a = ap.parse_args()
    bin_dir = os.path.join(ROOT, "target", a.profile)
    corpus, first, out = (os.path.join(a.work, x) for x in ("corpus", "first", "out"))
    subprocess.run([os.path.join(bin_dir, "trailguard-gen"), "--out", corpus, "--accounts",
                    str(a.accounts), "--days", str(a.days), "--events-per-day", "20000",
                    "--regions", "2", "--seed", "7", "--reuse"], check=True, capture_output=True)
    subprocess.run([os.path.join(bin_dir, "trailguard"), "scan", corpus, "--out", first],
                   check=True, capture_output=True)
    det = os.path.join(a.work, "details.json")
    with open(det, "w") as f:
        for d in details(os.path.join(first, "activity.parquet")):
            f.write(json.dumps(d) + "\n")
    r = subprocess.run([os.path.join(bin_dir, "trailguard"), "scan", corpus, "--iam-details", det,
                        "--out", out], capture_output=True, text=True)
    if r.returncode not in (0, 4):
        sys.exit(f"scan failed ({r.returncode}): {r.stderr[-2000:]}")
    summary = json.load(open(os.path.join(out, "summary.json")))
    perm = f"read_parquet('{out}/permissions.parquet')"
    con = duckdb.connect()
    q = lambda s: con.execute(s).fetchall()
    principals = q(f"select count(distinct principal) from {perm} where principal_type in ('IAMUser','Role') and granted")[0][0]
    granted, used = q(f"select count(*) filter (where granted), count(*) filter (where granted and used) from {perm}")[0]
    marks = dict(q(f"select suggested, count(*) from {perm} where suggested is not null group by 1"))
    # Scoped: suggested (action) pairs whose statements name ARNs rather than "*".
    scoped = total = 0
    for path in glob.glob(os.path.join(out, "policies", "*", "*", "*.json")):
        doc = json.load(open(path))
        for st in doc.get("Statement", []):
            if st.get("Effect") != "Allow":
                continue
            acts = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            res = st.get("Resource", "*")
            res = res if isinstance(res, list) else [res]
            total += len(acts)
            if res != ["*"]:
                scoped += len(acts)
    refinements = json.load(open(os.path.join(out, "policies", "refinements.json")))
    removed = sum(r["removed_actions"] for r in refinements if r["outcome"] in ("refine", "replace", "detach"))
    skipped = {}
    for r in refinements:
        if r["outcome"] == "skipped":
            why = re.sub(r"arn:[^ ,]+", "<principal>", r["reason"]).split(":")[0]
            skipped[why[:70]] = skipped.get(why[:70], 0) + 1
    print(f"| figure | value |\n|---|---|")
    print(f"| principals in the details (granted something) | {principals} |")
    print(f"| events counted | {summary['events']:,} |")
    print(f"| actions granted (principal x action) | {granted:,} |")
    print(f"| granted and used in the window | {used:,} |")
    print(f"| suggested: observed / inferred / kept-unobservable | {marks.get('observed', 0):,} / {marks.get('inferred', 0):,} / {marks.get('kept-unobservable', 0):,} |")
    print(f"| suggested (action, statement) pairs scoped to ARNs | {scoped:,} of {total:,} ({100 * scoped / max(total, 1):.0f}%) |")
    print(f"| suggestions verified / unverified | {summary.get('suggestions_verified', 0)} / {len(summary.get('suggestions_unverified', []))} |")
    print(f"| policy documents written | {summary['policies_written']} |")
    print(f"| refinements by outcome | {json.dumps(summary.get('refinements', {}))} |")
    print(f"| actions removed by the refinements (per policy, summed) | {removed:,} |")
    for why, n in sorted(skipped.items()):
        print(f"| skipped: {why} | {n} |")
    print(f"| scan wall time (s) | {summary['elapsed_seconds']:.2f} |")


if __name__ == "__main__":
    main()
