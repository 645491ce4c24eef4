"""Checks live answers of `wfc serve` against its OpenAPI document.

Usage: conform.py DOC.json ANSWERS.json

ANSWERS is a list of {"method", "path" (the document's template), "status",
"content_type", "body" (parsed JSON, a string, or null: not read)}. Each
answer's status must be one the operation declares, its media type one that
status declares, and a JSON body must validate against that schema, in
which no object may have a property its schema does not name. Prints one
line per problem, exits 1 on any.
"""
import json
import sys

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

JSON_TYPES = ("application/json", "application/problem+json")


def strict(doc):
    """The document with `unevaluatedProperties: false` on each object
    schema that no `allOf` includes (one that is included is checked
    through the schema that includes it, which sees all the properties)."""
    included = set()

    def walk(node):
        if isinstance(node, dict):
            for part in node.get("allOf", []):
                if "$ref" in part:
                    included.add(part["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)

    def close(node, ref):
        if not isinstance(node, dict) or ref in included:
            return
        objecty = "properties" in node or "allOf" in node
        if objecty and "additionalProperties" not in node:
            node["unevaluatedProperties"] = False

    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        close(schema, f"#/components/schemas/{name}")

        def inner(node):
            # Objects written inline (a property's object, an allOf's own part).
            if isinstance(node, dict):
                for key, v in node.items():
                    if key == "properties":
                        for p in v.values():
                            if isinstance(p, dict) and "properties" in p:
                                close(p, None)
                            inner(p)
                    elif key != "allOf":
                        inner(v)
            elif isinstance(node, list):
                for v in node:
                    inner(v)

        inner(schema)
    return doc


def pointer(*parts):
    return "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def main():
    doc = strict(json.load(open(sys.argv[1])))
    answers = json.load(open(sys.argv[2]))
    registry = Registry().with_resource(
        "urn:wfc:openapi", Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    bad = 0

    def problem(a, text):
        nonlocal bad
        bad += 1
        print(f"{a['method'].upper()} {a['path']} -> {a['status']}: {text}")

    for a in answers:
        op = doc["paths"].get(a["path"], {}).get(a["method"])
        if op is None:
            problem(a, "the document has no such operation")
            continue
        status = str(a["status"])
        response = op["responses"].get(status)
        if response is None:
            problem(a, f"status {status} is not declared (declared: {sorted(op['responses'])})")
            continue
        content = response.get("content", {})
        media = (a["content_type"] or "").split(";")[0].strip()
        if not content:
            if a["body"] not in (None, ""):
                problem(a, f"a body ({media}) where the document declares none")
            continue
        if media not in content:
            problem(a, f"media type {media!r} is not declared (declared: {sorted(content)})")
            continue
        schema = content[media].get("schema")
        if schema is None or a["body"] is None or media not in JSON_TYPES:
            continue
        ref = "urn:wfc:openapi#/" + pointer("paths", a["path"], a["method"], "responses", status, "content", media, "schema")
        validator = jsonschema.Draft202012Validator({"$ref": ref}, registry=registry)
        for error in validator.iter_errors(a["body"]):
            where = "/".join(str(p) for p in error.absolute_path)
            problem(a, f"at /{where}: {error.message[:300]}")
    print(f"{len(answers)} answers checked, {bad} problems")
    sys.exit(1 if bad else 0)


main()
