"""Validates Argo resources (YAML files) against Argo's vendored JSON schema.

The schema leaves `additionalProperties` open; the export must not invent
keys, so every object definition that lists its properties is closed here
(`additionalProperties: false`) unless the schema says otherwise.

Usage: validate.py SCHEMA FILE.yaml...  Prints one line per problem, exits 1 on any.
"""
import json
import sys

import jsonschema
import yaml

KINDS = {
    "Workflow": "io.argoproj.workflow.v1alpha1.Workflow",
    "WorkflowTemplate": "io.argoproj.workflow.v1alpha1.WorkflowTemplate",
}


def main():
    schema = json.load(open(sys.argv[1]))
    for definition in schema["definitions"].values():
        if "properties" in definition and "additionalProperties" not in definition:
            definition["additionalProperties"] = False
    bad = 0
    for path in sys.argv[2:]:
        doc = yaml.safe_load(open(path))
        ref = {"$ref": "#/definitions/" + KINDS[doc["kind"]], "definitions": schema["definitions"]}
        validator = jsonschema.Draft7Validator(ref)
        for error in validator.iter_errors(doc):
            bad += 1
            where = "/".join(str(p) for p in error.absolute_path)
            print(f"{path}: {where}: {error.message}")
    sys.exit(1 if bad else 0)


main()
