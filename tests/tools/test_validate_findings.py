#!/usr/bin/env python3
"""The validator passes the good samples and fails each broken one with the expected problem.

Run: python3 tests/tools/test_validate_findings.py   (or: python3 -m unittest discover -s tests/tools)
"""

import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOOL = os.path.join(HERE, "validate_findings.py")
SAMPLES = os.path.join(HERE, "samples")

GOOD = [("--ocsf", "ocsf-good.jsonl"), ("--asff", "asff-good.json"), ("--asff", "asff-good-array.json")]

# sample -> (problem lines expected, a substring of the first one)
BAD = {
    "ocsf-bad-class.jsonl": (1, "$.class_uid: 2001: expected 2004"),
    "ocsf-bad-cloud-without-profile.jsonl": (2, "('cloud' was unexpected)"),
    "ocsf-bad-empty-evidence.jsonl": (1, "$.evidences[1]: needs at least one of: actor, api"),
    "ocsf-bad-ip.jsonl": (1, "$.evidences[0].src_endpoint.ip: '203.0.113.999' does not match"),
    "ocsf-bad-missing-finding-uid.jsonl": (1, "$.finding_info: 'uid' is a required property"),
    "ocsf-bad-not-json.jsonl": (1, "record 1 $: line 2 is not JSON"),
    "ocsf-bad-profile-without-cloud.jsonl": (1, "$: 'cloud' is a required property"),
    "ocsf-bad-severity-caption.jsonl": (1, "$.severity: 'critical' is not the caption 'Critical'"),
    "ocsf-bad-severity-id.jsonl": (1, "$.severity_id: 7 is not one of"),
    "ocsf-bad-time-seconds.jsonl": (1, "$.time: 1717450817 is not a timestamp in milliseconds"),
    "ocsf-bad-time-string.jsonl": (1, "$.finding_info.first_seen_time: '2024-06-01T08:15:02Z' is not of type 'integer'"),
    "ocsf-bad-type-uid.jsonl": (1, "$.type_uid: 200402 != class_uid * 100 + activity_id = 200401"),
    "ocsf-bad-unknown-attribute.jsonl": (1, "('trailguard_rule' was unexpected)"),
    "ocsf-bad-version.jsonl": (1, "$.metadata.version: '1.4.0': expected the OCSF version '1.1.0'"),
    "asff-bad-account-id.json": (1, "$.Findings[0].AwsAccountId: '11112222333' is not a 12-digit account id"),
    "asff-bad-batch-too-large.json": (1, "$.Findings: 101 findings: BatchImportFindings takes 1..100"),
    "asff-bad-blank-generator.json": (1, "$.Findings[0].GeneratorId: '   ' does not match the model's pattern"),
    "asff-bad-count-type.json": (1, "$.Findings[0].ProductFields.trailguard/count: Invalid type for parameter"),
    "asff-bad-description-too-long.json": (1, "$.Findings[0].Description: length 1025 > 1024"),
    "asff-bad-missing-title.json": (1, "$.Findings[0].Title: Missing required parameter"),
    "asff-bad-no-severity.json": (1, "$.Findings[0].Severity: required"),
    "asff-bad-product-arn.json": (1, "$.Findings[0].ProductArn: a custom integration's ARN is"),
    "asff-bad-resource-missing-id.json": (1, "$.Findings[0].Resources[0].Id: Missing required parameter"),
    "asff-bad-schema-version.json": (1, "$.Findings[0].SchemaVersion: '2018-10-26': must be '2018-10-08'"),
    "asff-bad-severity-label.json": (1, "$.Findings[0].Severity.Label: 'SEVERE' is not one of INFORMATIONAL"),
    "asff-bad-timestamp.json": (1, "$.Findings[0].UpdatedAt: '2024-06-05 00:00:00' is not a Security Hub timestamp"),
    "asff-bad-title-too-long.json": (1, "$.Findings[0].Title: length 280 > 256"),
    "asff-bad-types-namespace.json": (1, "$.Findings[0].Types[0]: 'IAM/Root login': the namespace must be one of"),
    "asff-bad-unknown-field.json": (1, "$.Findings[0].Rule: Unknown parameter in input"),
}


def run(*args):
    p = subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


class Samples(unittest.TestCase):
    def test_good_pass(self):
        args = [a for flag, name in GOOD for a in (flag, os.path.join(SAMPLES, name))]
        rc, out, err = run(*args)
        self.assertEqual(rc, 0, out + err)
        self.assertIn("2 records validated against OCSF 1.1.0 detection_finding", out)
        self.assertIn("2 findings validated against ASFF 2018-10-08", out)
        self.assertEqual(out.count(": 0 problems"), 3, out)

    def test_each_bad_fails(self):
        on_disk = {n for n in os.listdir(SAMPLES) if "-bad-" in n}
        self.assertEqual(on_disk, set(BAD), "every broken sample has an expectation here")
        for name, (count, first) in sorted(BAD.items()):
            with self.subTest(sample=name):
                flag = "--ocsf" if name.endswith(".jsonl") else "--asff"
                rc, out, err = run(flag, os.path.join(SAMPLES, name))
                self.assertEqual(rc, 1, out + err)
                lines = out.splitlines()
                problems, summary = lines[:-1], lines[-1]
                self.assertEqual(len(problems), count, out)
                self.assertIn(first, problems[0])
                self.assertTrue(summary.endswith(f": {count} problems"), summary)

    def test_usage(self):
        rc, _, _ = run()
        self.assertEqual(rc, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
