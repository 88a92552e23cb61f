"""A small JSON Schema (2020-12 subset) checker for the OpenAPI document's schemas, with $ref resolution.

It refuses keywords it does not understand, so a schema it passes was really checked.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

_ANNOTATIONS = {"title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"}
_TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
_OFFSET_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def resolve(document: dict, ref: str) -> Any:
    """``#/components/schemas/X`` → the object it names; KeyError if it does not resolve."""
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def errors(value: Any, schema: dict, document: dict, path: str = "$") -> list[str]:
    """Every way ``value`` violates ``schema`` (empty when it conforms)."""
    found: list[str] = []
    for key, rule in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key == "$ref":
            found += errors(value, resolve(document, rule), document, path)
        elif key == "type":
            names = rule if isinstance(rule, list) else [rule]
            if not any(_TYPES[n](value) for n in names):
                found.append(f"{path}: {value!r:.60} is not {rule}")
        elif key == "enum":
            if value not in rule:
                found.append(f"{path}: {value!r} not in {rule}")
        elif key == "const":
            if value != rule:
                found.append(f"{path}: {value!r} != {rule!r}")
        elif key in ("anyOf", "oneOf"):
            matches = sum(not errors(value, sub, document, path) for sub in rule)
            if matches == 0 or (key == "oneOf" and matches > 1):
                found.append(f"{path}: {value!r:.60} matches {matches} of {key}")
        elif key == "allOf":
            for sub in rule:
                found += errors(value, sub, document, path)
        elif key == "properties":
            if isinstance(value, dict):
                for name, sub in rule.items():
                    if name in value:
                        found += errors(value[name], sub, document, f"{path}.{name}")
        elif key == "required":
            if isinstance(value, dict):
                found += [f"{path}: missing {name}" for name in rule if name not in value]
        elif key == "additionalProperties":
            if isinstance(value, dict):
                extra = set(value) - set(schema.get("properties", {}))
                for name in sorted(extra):
                    if rule is False:
                        found.append(f"{path}: unexpected property {name}")
                    elif isinstance(rule, dict):
                        found += errors(value[name], rule, document, f"{path}.{name}")
        elif key == "items":
            if isinstance(value, list):
                for i, item in enumerate(value):
                    found += errors(item, rule, document, f"{path}[{i}]")
        elif key == "format":
            if rule == "date-time" and isinstance(value, str):
                if not _OFFSET_DATETIME.match(value):
                    found.append(f"{path}: {value!r} is not an ISO 8601 date-time with offset")
                else:
                    datetime.fromisoformat(value)
        elif key == "pattern":
            if isinstance(value, str) and not re.search(rule, value):
                found.append(f"{path}: {value!r} does not match {rule}")
        elif key in ("minimum", "maximum", "minLength", "maxLength"):
            if key.endswith("Length") and isinstance(value, str):
                ok = len(value) >= rule if key == "minLength" else len(value) <= rule
            elif _TYPES["number"](value) and not key.endswith("Length"):
                ok = value >= rule if key == "minimum" else value <= rule
            else:
                ok = True
            if not ok:
                found.append(f"{path}: {value!r:.60} violates {key}={rule}")
        else:
            raise AssertionError(f"schema_check does not understand {key!r} at {path}")
    return found
