#!/usr/bin/env python3
"""Validate nvme-qbench JSON reports against the versioned schema.

Usage: validate_report.py SCHEMA REPORT...   exit 0 valid, 1 invalid.
"""
import json
import sys

import jsonschema


def main():
    schema = json.load(open(sys.argv[1]))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    bad = 0
    for path in sys.argv[2:]:
        errors = list(validator.iter_errors(json.load(open(path))))
        for e in errors:
            print(f"{path}: {'/'.join(map(str, e.path))}: {e.message}")
        bad += bool(errors)
        if not errors:
            print(f"{path}: valid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
