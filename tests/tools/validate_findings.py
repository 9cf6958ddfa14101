#!/usr/bin/env python3
"""Validates trailguard's finding exports against the published schemas.

  --ocsf FILE.jsonl   OCSF Detection Finding (class_uid 2004), one JSON object per line.
                      Schema: the OCSF export bundled in the `ocsf-json-schema` package
                      (schema.ocsf.io/<version>/export/schema), turned into JSON Schema 2020-12
                      for the profiles each record names in metadata.profiles, plus the OCSF rules
                      JSON Schema cannot say (type_uid = class_uid * 100 + activity_id, enum
                      captions of sibling strings, millisecond timestamps, first <= last).
  --asff FILE.json    AWS Security Finding Format: a JSON array of findings, or the
                      BatchImportFindings request {"Findings": [...]}. Schema: botocore's
                      securityhub service model (ParamValidator: required members, types, unknown
                      members, minimums; then the model's max lengths, enums and patterns, which
                      ParamValidator skips), plus the documented ASFF rules the model carries only
                      as prose (SchemaVersion, lengths, Types taxonomy, timestamps, batch size...).

Prints one line per problem ("FORMAT FILE record N PATH: message"), then a summary per file.
Exit status: 0 when every record is valid, 1 on any problem, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import datetime, timedelta, timezone

# ---------------------------------------------------------------------------------------------
# shared


class Problems:
    def __init__(self) -> None:
        self.count = 0

    def add(self, fmt: str, file: str, record: int | None, path: str, msg: str) -> None:
        self.count += 1
        where = f"record {record}" if record is not None else "file"
        print(f"{fmt} {file} {where} {path}: {msg}")


def jpath(parts) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


# ---------------------------------------------------------------------------------------------
# OCSF

DEFAULT_OCSF_VERSION = "1.1.0"  # the OCSF version of Security Lake's version-2 AWS sources
DETECTION_FINDING = "detection_finding"
# Sane bounds for timestamp_t (milliseconds since the epoch): 2000-01-01 .. 2100-01-01.
MS_MIN, MS_MAX = 946_684_800_000, 4_102_444_800_000


class Ocsf:
    def __init__(self, version: str) -> None:
        import jsonschema
        from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema, get_packaged_versions

        if version not in get_packaged_versions():
            raise SystemExit(
                f"OCSF version {version} is not packaged; have: {', '.join(sorted(get_packaged_versions()))}"
            )
        self.version = version
        self.raw = get_ocsf_schema(version)
        self.gen = OcsfJsonSchemaEmbedded(self.raw)
        self.cls = self.raw["classes"][DETECTION_FINDING]
        self.class_profiles = set(self.cls.get("profiles") or [])
        self.jsonschema = jsonschema
        self.validators: dict[tuple, object] = {}

    def validator(self, profiles: tuple):
        if profiles not in self.validators:
            schema = self.gen.get_class_schema(DETECTION_FINDING, list(profiles))
            cls = self.jsonschema.Draft202012Validator
            cls.check_schema(schema)
            self.validators[profiles] = cls(schema)
        return self.validators[profiles]

    # -- checks JSON Schema cannot express -----------------------------------------------------

    def rules(self, rec: dict, emit) -> None:
        cu, ai, tu = rec.get("class_uid"), rec.get("activity_id"), rec.get("type_uid")
        if isinstance(cu, int) and isinstance(ai, int) and isinstance(tu, int) and tu != cu * 100 + ai:
            emit(["type_uid"], f"{tu} != class_uid * 100 + activity_id = {cu * 100 + ai} (OCSF rule)")
        captions = {"class_name": self.cls.get("caption"), "category_name": self.cls.get("category_name")}
        for k, want in captions.items():
            if k in rec and want and rec[k] != want:
                emit([k], f"{rec[k]!r} is not the caption {want!r} (OCSF rule)")
        self.walk(rec, self.cls["attributes"], [], emit)
        for a, b, base in (
            ("start_time", "end_time", []),
            ("first_seen_time", "last_seen_time", ["finding_info"]),
        ):
            obj = rec
            for p in base:
                obj = obj.get(p) if isinstance(obj, dict) else None
            if isinstance(obj, dict) and isinstance(obj.get(a), int) and isinstance(obj.get(b), int):
                if obj[a] > obj[b]:
                    emit(base + [b], f"{obj[b]} is before {a} {obj[a]}")

    def walk(self, obj, attrs: dict, path: list, emit, depth: int = 0) -> None:
        if not isinstance(obj, dict) or depth > 12:
            return
        for name, val in obj.items():
            a = attrs.get(name)
            if a is None:
                continue  # unknown names are reported by the JSON Schema
            items = val if a.get("is_array") and isinstance(val, list) else [val]
            for i, v in enumerate(items):
                p = path + [name] + ([i] if a.get("is_array") and isinstance(val, list) else [])
                t = a.get("type")
                if t == "object_t":
                    sub = self.raw["objects"].get(a.get("object_type"), {}).get("attributes", {})
                    self.walk(v, sub, p, emit, depth + 1)
                    continue
                if t == "timestamp_t" and isinstance(v, int) and not isinstance(v, bool):
                    if not MS_MIN <= v <= MS_MAX:
                        hint = " (seconds, not milliseconds?)" if 946_684_800 <= v <= 4_102_444_800 else ""
                        emit(p, f"{v} is not a timestamp in milliseconds since the epoch in 2000..2100{hint}")
                enum, sib = a.get("enum"), a.get("sibling")
                if enum and sib and isinstance(v, int) and not isinstance(v, bool) and str(v) in enum:
                    cap = enum[str(v)].get("caption")
                    if v == 99:
                        if not obj.get(sib):
                            emit(path + [sib], f"{name} is 99 (Other): {sib} must carry the source's value (OCSF rule)")
                    elif sib in obj and obj[sib] != cap:
                        emit(path + [sib], f"{obj[sib]!r} is not the caption {cap!r} of {name} {v} (OCSF rule)")


def message(err) -> str:
    if err.validator in ("anyOf", "oneOf") and all(
        isinstance(s, dict) and list(s) == ["required"] for s in err.validator_value
    ):
        names = [s["required"][0] for s in err.validator_value]
        return ("needs at least one of: " if err.validator == "anyOf" else "needs exactly one of: ") + ", ".join(names)
    if err.validator == "pattern":
        what = err.schema.get("title") or "the attribute"
        return f"{err.instance!r} does not match the OCSF pattern of {what}"
    msg = err.message
    return msg if len(msg) <= 300 else msg[:297] + "..."


def validate_ocsf(file: str, ocsf: Ocsf, problems: Problems) -> int:
    n = 0
    with open(file, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for lineno, line in enumerate(lines, 1):
        idx = n
        n += 1

        def emit(parts, msg, idx=idx):
            problems.add("ocsf", file, idx, jpath(parts), msg)

        if not line.strip():
            emit([], f"line {lineno} is blank (JSON lines: one object per line)")
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as e:
            emit([], f"line {lineno} is not JSON: {e}")
            continue
        if not isinstance(rec, dict):
            emit([], "is not a JSON object")
            continue
        if rec.get("class_uid") != 2004:
            emit(["class_uid"], f"{rec.get('class_uid')!r}: expected 2004 (Detection Finding)")
            continue
        meta = rec.get("metadata") if isinstance(rec.get("metadata"), dict) else {}
        if meta.get("version") != ocsf.version:
            emit(["metadata", "version"], f"{meta.get('version')!r}: expected the OCSF version {ocsf.version!r}")
        profiles = meta.get("profiles", [])
        if not isinstance(profiles, list) or not all(isinstance(p, str) for p in profiles):
            emit(["metadata", "profiles"], "must be a list of profile names")
            profiles = []
        bad = [p for p in profiles if p not in ocsf.class_profiles]
        for p in bad:
            emit(["metadata", "profiles"], f"{p!r} is not a profile of detection_finding in OCSF {ocsf.version} "
                 f"(have: {', '.join(sorted(ocsf.class_profiles))})")
        key = tuple(sorted(set(p for p in profiles if p not in bad)))
        errs = sorted(ocsf.validator(key).iter_errors(rec), key=lambda e: [str(x) for x in e.absolute_path])
        for e in errs:
            emit(list(e.absolute_path), message(e))
        ocsf.rules(rec, emit)
    return n


# ---------------------------------------------------------------------------------------------
# ASFF

ASFF_SCHEMA_VERSION = "2018-10-08"
ASFF_NAMESPACES = (
    "Software and Configuration Checks",
    "TTPs",
    "Effects",
    "Unusual Behaviors",
    "Sensitive Data Identifications",
)
# Security Hub's timestamp format (RFC 3339 profile; the pattern AWS publishes for its date filters):
# fractional seconds up to 9 digits, offset Z or +/-HH[:]MM bounded by 18:00.
ASFF_TS = re.compile(
    r"^(\d\d\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(?:([01]\d|2[0-3]):[0-5]\d:[0-5]\d|23:59:60)"
    r"(?:\.(\d{1,9}))?(Z|[+-](\d\d)(?::?(\d\d))?)$"
)
ASFF_TS_FIELDS = ("CreatedAt", "UpdatedAt", "FirstObservedAt", "LastObservedAt", "ProcessedAt")
PRODUCT_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):securityhub:[a-z0-9-]+:(\d{12})?:product/([^/]+)/([^/]+)$")
# Documented in the model's prose (botocore securityhub docs), not in its constraints.
ASFF_MAX_LEN = {
    "Id": 512, "GeneratorId": 512, "ProductArn": 2048, "Title": 256, "Description": 1024,
    "ProductName": 128, "CompanyName": 128, "Region": 16,
}
ASFF_MAX_FINDING_BYTES = 240 * 1024  # "The maximum allowed size for a finding is 240 Kb."


def asff_timestamp_problem(v) -> str | None:
    if not isinstance(v, str):
        return None  # ParamValidator reports the type
    m = ASFF_TS.match(v)
    if not m:
        return f"{v!r} is not a Security Hub timestamp (RFC 3339, e.g. 2024-06-01T12:00:00.000Z)"
    if m.group(6) != "Z" and (int(m.group(7)) * 60 + int(m.group(8) or 0)) > 18 * 60:
        return f"{v!r}: offset beyond +/-18:00"
    try:
        datetime.strptime(v[:10], "%Y-%m-%d")
    except ValueError:
        return f"{v!r}: no such date"
    return None


def parse_ts(v: str):
    m = ASFF_TS.match(v) if isinstance(v, str) else None
    if not m or m.group(0)[17:19] == "60":
        return None
    frac = (m.group(5) or "")[:6]
    base = datetime.strptime(v[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    if frac:
        base += timedelta(microseconds=int(frac.ljust(6, "0")))
    if m.group(6) != "Z":
        off = timedelta(hours=int(m.group(7)), minutes=int(m.group(8) or 0))
        base -= off if m.group(6)[0] == "+" else -off
    return base


class Asff:
    def __init__(self) -> None:
        import botocore
        import botocore.session
        from botocore.validate import ParamValidator

        model = botocore.session.get_session().get_service_model("securityhub")
        self.botocore_version = botocore.__version__
        self.api_version = model.api_version
        self.request = model.operation_model("BatchImportFindings").input_shape
        self.finding = self.request.members["Findings"].member
        self.batch_max = self.request.members["Findings"].metadata.get("max", 100)
        self.pv = ParamValidator()
        self.patterns: dict[str, re.Pattern] = {}

    def botocore_errors(self, finding: dict, emit) -> None:
        report = self.pv.validate(finding, self.finding)
        errors = getattr(report, "_errors", None)
        if errors is None:  # a botocore without the structured list: fall back to the text
            for line in report.generate_report().splitlines()[1:]:
                emit([], line.strip())
            return
        for err in errors:  # (reason, name, details); name is "input" for the finding itself
            reason, name, details = err
            name = "" if name in ("", "input") else name.lstrip(".")
            member = details.get("required_name") or details.get("unknown_param")
            if member:
                name = f"{name}.{member}" if name else member
            emit(name, report._format_error(err))

    def model_constraints(self, value, shape, path: list, emit) -> None:
        """The model's max, enum and pattern constraints (ParamValidator checks only min)."""
        meta, t = shape.metadata, shape.type_name
        if t == "structure" and isinstance(value, dict):
            for k, v in value.items():
                if k in shape.members:
                    self.model_constraints(v, shape.members[k], path + [k], emit)
        elif t == "list" and isinstance(value, list):
            if "max" in meta and len(value) > meta["max"]:
                emit(path, f"{len(value)} items; the model allows at most {meta['max']}")
            for i, v in enumerate(value):
                self.model_constraints(v, shape.member, path + [i], emit)
        elif t == "map" and isinstance(value, dict):
            if "max" in meta and len(value) > meta["max"]:
                emit(path, f"{len(value)} entries; the model allows at most {meta['max']}")
            for k, v in value.items():
                self.model_constraints(k, shape.key, path + [f"<key {k!r}>"], emit)
                self.model_constraints(v, shape.value, path + [k], emit)
        elif t == "string" and isinstance(value, str):
            if shape.enum and value not in shape.enum:
                emit(path, f"{value!r} is not one of {', '.join(shape.enum)}")
            if "max" in meta and len(value) > meta["max"]:
                emit(path, f"length {len(value)} > the model's maximum {meta['max']}")
            pat = meta.get("pattern")
            if pat:
                rx = self.patterns.setdefault(pat, re.compile(pat, re.S))
                if not rx.search(value):
                    emit(path, f"{value!r} does not match the model's pattern {pat!r}")
        elif t in ("integer", "long", "double", "float") and isinstance(value, (int, float)):
            if "max" in meta and value > meta["max"]:
                emit(path, f"{value} > the model's maximum {meta['max']}")

    def documented(self, f: dict, emit) -> None:
        """ASFF rules documented in prose (the model's documentation strings and the ASFF guide)."""
        if "SchemaVersion" in f and f["SchemaVersion"] != ASFF_SCHEMA_VERSION:
            emit(["SchemaVersion"], f"{f['SchemaVersion']!r}: must be {ASFF_SCHEMA_VERSION!r}")
        for k, n in ASFF_MAX_LEN.items():
            if isinstance(f.get(k), str) and len(f[k]) > n:
                emit([k], f"length {len(f[k])} > {n}")
        acct = f.get("AwsAccountId")
        if isinstance(acct, str) and not re.fullmatch(r"\d{12}", acct):
            emit(["AwsAccountId"], f"{acct!r} is not a 12-digit account id")
        arn = f.get("ProductArn")
        if isinstance(arn, str):
            m = PRODUCT_ARN.match(arn)
            if not m:
                emit(["ProductArn"], f"{arn!r} is not arn:<partition>:securityhub:<region>:<account>:product/<company>/<product>")
            elif len(arn) < 12:
                emit(["ProductArn"], "length < 12")
            elif m.group(4) == "default" and re.fullmatch(r"\d{12}", str(acct)) and (m.group(2) != acct or m.group(3) != acct):
                emit(["ProductArn"], f"a custom integration's ARN is ...:{acct}:product/{acct}/default for AwsAccountId {acct}")
        # Severity and Types are required ASFF attributes (top level or FindingProviderFields).
        fpf = f.get("FindingProviderFields") if isinstance(f.get("FindingProviderFields"), dict) else {}
        for base, sev in (([], f.get("Severity")), (["FindingProviderFields"], fpf.get("Severity"))):
            if isinstance(sev, dict) and "Label" not in sev and "Normalized" not in sev:
                emit(base + ["Severity"], "needs Label (INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL)")
            if isinstance(sev, dict) and isinstance(sev.get("Normalized"), int) and not 0 <= sev["Normalized"] <= 100:
                emit(base + ["Severity", "Normalized"], f"{sev['Normalized']} not in 0..100")
            if isinstance(sev, dict) and isinstance(sev.get("Original"), str) and len(sev["Original"]) > 64:
                emit(base + ["Severity", "Original"], "length > 64")
        if not isinstance(f.get("Severity"), dict) and not isinstance(fpf.get("Severity"), dict):
            emit(["Severity"], "required (or FindingProviderFields.Severity)")
        if not f.get("Types") and not fpf.get("Types"):
            emit(["Types"], "required: one or more namespace/category/classifier (or FindingProviderFields.Types)")
        for base, types in (([], f.get("Types")), (["FindingProviderFields"], fpf.get("Types"))):
            if not isinstance(types, list):
                continue
            if len(types) > 50:
                emit(base + ["Types"], f"{len(types)} types > 50")
            for i, ty in enumerate(types):
                if not isinstance(ty, str):
                    continue
                parts = ty.split("/")
                if parts[0] not in ASFF_NAMESPACES:
                    emit(base + ["Types", i], f"{ty!r}: the namespace must be one of {', '.join(ASFF_NAMESPACES)}")
                elif len(parts) > 3 or any(not p.strip() for p in parts):
                    emit(base + ["Types", i], f"{ty!r} is not namespace[/category[/classifier]]")
        for k in ASFF_TS_FIELDS:
            if k in f and (p := asff_timestamp_problem(f[k])):
                emit([k], p)
        note = f.get("Note")
        if isinstance(note, dict) and "UpdatedAt" in note and (p := asff_timestamp_problem(note["UpdatedAt"])):
            emit(["Note", "UpdatedAt"], p)
        a, b = parse_ts(f.get("FirstObservedAt")), parse_ts(f.get("LastObservedAt"))
        if a and b and a > b:
            emit(["LastObservedAt"], "is before FirstObservedAt")
        a, b = parse_ts(f.get("CreatedAt")), parse_ts(f.get("UpdatedAt"))
        if a and b and a > b:
            emit(["UpdatedAt"], "is before CreatedAt")
        res = f.get("Resources")
        if isinstance(res, list):
            if len(res) > 32:
                emit(["Resources"], f"{len(res)} resources > 32")
            for i, r in enumerate(res):
                if isinstance(r, dict):
                    if isinstance(r.get("Type"), str) and len(r["Type"]) > 256:
                        emit(["Resources", i, "Type"], "length > 256")
                    if isinstance(r.get("Region"), str) and len(r["Region"]) > 16:
                        emit(["Resources", i, "Region"], "length > 16")
        rec = ((f.get("Remediation") or {}).get("Recommendation") or {}) if isinstance(f.get("Remediation"), dict) else {}
        if isinstance(rec, dict) and isinstance(rec.get("Text"), str) and len(rec["Text"]) > 512:
            emit(["Remediation", "Recommendation", "Text"], f"length {len(rec['Text'])} > 512")
        for k, vmax in (("ProductFields", 2048), ("UserDefinedFields", 1024)):
            m = f.get(k)
            if isinstance(m, dict):
                if len(m) > 50:
                    emit([k], f"{len(m)} pairs > 50")
                for kk, vv in m.items():
                    if len(kk) > 128:
                        emit([k, kk], "key length > 128")
                    if isinstance(vv, str) and len(vv) > vmax:
                        emit([k, kk], f"value length {len(vv)} > {vmax}")
        size = len(json.dumps(f, separators=(",", ":")).encode())
        if size > ASFF_MAX_FINDING_BYTES:
            emit([], f"{size} bytes > the 240 KB a finding may have")


def validate_asff(file: str, asff: Asff, problems: Problems) -> int:
    try:
        with open(file, encoding="utf-8") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as e:
        problems.add("asff", file, None, "$", f"not JSON: {e}")
        return 0
    base = []
    if isinstance(doc, dict):
        unknown = sorted(set(doc) - {"Findings"})
        if unknown:
            problems.add("asff", file, None, "$", f"a BatchImportFindings request has only Findings, not {', '.join(unknown)}")
        doc, base = doc.get("Findings"), ["Findings"]
    if not isinstance(doc, list):
        problems.add("asff", file, None, jpath(base), "expected a JSON array of findings or {\"Findings\": [...]}")
        return 0
    if not 1 <= len(doc) <= asff.batch_max:
        problems.add("asff", file, None, jpath(base),
                     f"{len(doc)} findings: BatchImportFindings takes 1..{asff.batch_max} per request (split the batch)")
    seen: dict = {}
    for i, f in enumerate(doc):

        def emit(parts, msg, i=i):
            # botocore names a member path as a string ("Resources[0]"); the other checks as a list.
            if isinstance(parts, str):
                path = jpath(base + [i]) + ("." + parts if parts else "")
            else:
                path = jpath(base + [i] + list(parts))
            problems.add("asff", file, i, path, msg)

        if not isinstance(f, dict):
            emit([], "is not a JSON object")
            continue
        asff.botocore_errors(f, emit)
        asff.model_constraints(f, asff.finding, [], emit)
        asff.documented(f, emit)
        key = (f.get("ProductArn"), f.get("Id"))
        if key in seen:
            emit(["Id"], f"same ProductArn and Id as record {seen[key]}")
        seen.setdefault(key, i)
    return len(doc)


# ---------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ocsf", action="append", default=[], metavar="FILE.jsonl", help="OCSF Detection Finding JSON lines")
    ap.add_argument("--asff", action="append", default=[], metavar="FILE.json", help="ASFF findings (array or BatchImportFindings request)")
    ap.add_argument("--ocsf-version", default=DEFAULT_OCSF_VERSION, help=f"OCSF version the records must declare and meet (default {DEFAULT_OCSF_VERSION})")
    args = ap.parse_args(argv)
    if not args.ocsf and not args.asff:
        ap.error("give --ocsf FILE.jsonl and/or --asff FILE.json")

    problems = Problems()
    if args.ocsf:
        import jsonschema
        from importlib.metadata import version as pkg_version

        ocsf = Ocsf(args.ocsf_version)
        for file in args.ocsf:
            before = problems.count
            n = validate_ocsf(file, ocsf, problems)
            print(f"ocsf {file}: {n} records validated against OCSF {ocsf.version} detection_finding (class_uid 2004) "
                  f"[ocsf-json-schema {pkg_version('ocsf-json-schema')}, jsonschema {pkg_version('jsonschema')}]: "
                  f"{problems.count - before} problems")
    if args.asff:
        asff = Asff()
        for file in args.asff:
            before = problems.count
            n = validate_asff(file, asff, problems)
            print(f"asff {file}: {n} findings validated against ASFF {ASFF_SCHEMA_VERSION} "
                  f"(botocore {asff.botocore_version} securityhub {asff.api_version} BatchImportFindings): "
                  f"{problems.count - before} problems")
    return 1 if problems.count else 0


if __name__ == "__main__":
    sys.exit(main())
