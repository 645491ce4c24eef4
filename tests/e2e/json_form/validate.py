"""Validates JSON form documents against docs/json-form.schema.json.

Usage: validate.py SCHEMA FILE.json...  Prints one line per problem, exits 1 on any.
"""
import json
import sys

import jsonschema


def main():
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    bad = 0
    for path in sys.argv[2:]:
        for error in validator.iter_errors(json.load(open(path))):
            bad += 1
            where = "/".join(str(p) for p in error.absolute_path)
            print(f"{path}: {where}: {error.message[:200]}")
    sys.exit(1 if bad else 0)


main()
