#!/usr/bin/env python3
"""Validate nvme-qbench JSON reports against the versioned schema.

Usage: validate_report.py SCHEMA REPORT...   exit 0 valid, 1 invalid.

SCHEMA is a schema file, or the folder holding them
(nvme-qbench-report.vN.schema.json): each report is then checked against
the schema of its own schema_version, and a version without a schema
there exits 77 (a skip), naming it.
"""
import json
import os
import sys

import jsonschema


def validator_for(path):
    schema = json.load(open(path))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def main():
    where = sys.argv[1]
    validators = {}
    bad = missing = 0
    for path in sys.argv[2:]:
        doc = json.load(open(path))
        schema = where
        if os.path.isdir(where):
            schema = os.path.join(where, f"nvme-qbench-report.v{doc.get('schema_version')}.schema.json")
            if not os.path.exists(schema):
                print(f"SKIP: {path}: no schema for schema_version {doc.get('schema_version')} in {where}")
                missing += 1
                continue
        if schema not in validators:
            validators[schema] = validator_for(schema)
        errors = list(validators[schema].iter_errors(doc))
        for e in errors:
            print(f"{path}: {'/'.join(map(str, e.path))}: {e.message}")
        bad += bool(errors)
        if not errors:
            print(f"{path}: valid")
    if bad:
        return 1
    return 77 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
