#!/usr/bin/env bash
# Writes the organization file `trailguard scan --organization FILE` reads: the root, every OU
# and account with the service control policies and resource control policies attached to each,
# and each one's parent. (Without RCPs enabled in the organization, `ResourceControlPolicies`
# stays empty.)
# Read-only calls only (run from the management account or a delegated administrator):
#   organizations describe-organization, list-roots, list-organizational-units-for-parent,
#   list-accounts-for-parent, list-policies-for-target, describe-policy
# usage: scripts/org-scps.sh [--profile P] > org.json      (needs the aws CLI and python3)
set -euo pipefail
AWS=(aws "$@" --output json)
python3 - "${AWS[@]}" <<'PY'
import json, subprocess, sys
aws = sys.argv[1:]
def call(*args):
    return json.loads(subprocess.run(aws + ["organizations", *args], check=True,
                                     capture_output=True, text=True).stdout or "{}")
out = {"ManagementAccountId": call("describe-organization")["Organization"]["MasterAccountId"],
       "Policies": {}, "Targets": {}, "Parents": {}, "ResourceControlPolicies": {}}
rcps_enabled = True
def attached(target, kind):
    ids = []
    for p in call("list-policies-for-target", "--target-id", target, "--filter", kind)["Policies"]:
        ids.append(p["Id"])
        if p["Id"] not in out["Policies"]:
            out["Policies"][p["Id"]] = call("describe-policy", "--policy-id", p["Id"])["Policy"]["Content"]
    return ids
def attach(target):
    global rcps_enabled
    out["Targets"][target] = attached(target, "SERVICE_CONTROL_POLICY")
    if rcps_enabled:
        try:
            out["ResourceControlPolicies"][target] = attached(target, "RESOURCE_CONTROL_POLICY")
        except subprocess.CalledProcessError as e:
            if "PolicyTypeNotEnabled" not in (e.stderr or ""):
                raise
            rcps_enabled = False
def walk(parent):
    attach(parent)
    for a in call("list-accounts-for-parent", "--parent-id", parent)["Accounts"]:
        out["Parents"][a["Id"]] = parent
        attach(a["Id"])
    for ou in call("list-organizational-units-for-parent", "--parent-id", parent)["OrganizationalUnits"]:
        out["Parents"][ou["Id"]] = parent
        walk(ou["Id"])
for root in call("list-roots")["Roots"]:
    walk(root["Id"])
json.dump(out, sys.stdout, indent=1)
print()
PY
