#!/usr/bin/env python3
"""Checks one JSON answer against a schema of the published OpenAPI document.

    check_response.py OPENAPI_JSON SCHEMA_NAME[[]] RESPONSE_JSON

Exit status 0 when the answer matches `#/components/schemas/SCHEMA_NAME`
(`NAME[]`: an array of them)
(JSON Schema 2020-12, as OpenAPI 3.1 uses it); otherwise every mismatch is
printed with its path. Needs `jsonschema` (a dependency of
openapi-spec-validator).
"""

import json
import sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


def main() -> int:
    doc_path, name, response_path = sys.argv[1:4]
    array = name.endswith("[]")
    name = name.removesuffix("[]")
    with open(doc_path, encoding="utf-8") as f:
        doc = json.load(f)
    with open(response_path, encoding="utf-8") as f:
        body = json.load(f)
    if name not in doc.get("components", {}).get("schemas", {}):
        print(f"{name}: no such schema in {doc_path}")
        return 1
    base = "urn:ewaybill:openapi"
    registry = Registry().with_resource(
        base, Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    schema = {"$ref": f"{base}#/components/schemas/{name}"}
    if array:
        schema = {"type": "array", "items": schema}
    validator = Draft202012Validator(schema, registry=registry)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    for error in errors:
        path = "/".join(str(p) for p in error.absolute_path) or "(root)"
        print(f"{name}: {path}: {error.message[:300]}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
