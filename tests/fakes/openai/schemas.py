"""Structured outputs for the OpenAI fake: the `response_format` checks the real API makes before it
answers, and the smallest document a strict schema accepts (the default responder's answer).

What the API enforces with `"strict": true` (its "Supported schemas" rules): the root is an object
(not anyOf); every object has `additionalProperties: false` and lists every property in `required`;
types are string, number, integer, boolean, object, array, null (alone or in a list), plus enum,
const, anyOf, $ref/$defs; arrays carry `items`; the composition keywords allOf, not, if/then/else,
dependentRequired and dependentSchemas are refused; at most 5,000 properties, 10 levels of nesting
and 1,000 enum values. Without strict, any schema is taken as a hint. Error texts follow the ones
the API returns ("Invalid schema for response_format 'x': In context=('properties', 'y'), …").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

FORMAT_TYPES = ("text", "json_object", "json_schema")
TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")
REFUSED_KEYWORDS = ("allOf", "not", "if", "then", "else", "dependentRequired", "dependentSchemas")
NAME_PATTERN = re.compile(r"[a-zA-Z0-9_-]+")
NAME_MAX = 64
MAX_PROPERTIES = 5000
MAX_DEPTH = 10
MAX_ENUM_VALUES = 1000

# What the smallest answer puts in a string with a `format`, so it still validates.
_FORMAT_SAMPLES = {
    "date-time": "1970-01-01T00:00:00Z",
    "date": "1970-01-01",
    "time": "00:00:00",
    "duration": "P0D",
    "email": "a@example.com",
    "hostname": "example.com",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "uuid": "00000000-0000-0000-0000-000000000000",
}


class SchemaProblem(Exception):
    """A request the API refuses with 400: message and param, as its error body names them."""

    def __init__(self, message: str, param: str | None, code: str | None = None) -> None:
        super().__init__(message)
        self.message, self.param, self.code = message, param, code


def check_response_format(body: dict[str, Any]) -> None:
    """Raise SchemaProblem for a response_format the real API would refuse."""
    response_format = body.get("response_format")
    if response_format is None:
        return
    if not isinstance(response_format, dict) or response_format.get("type") not in FORMAT_TYPES:
        kind = response_format.get("type") if isinstance(response_format, dict) else response_format
        raise SchemaProblem(
            f"Invalid value: '{kind}'. Supported values are: 'text', 'json_object', and 'json_schema'.",
            "response_format.type",
            "invalid_value",
        )
    if response_format["type"] == "json_object" and not _mentions_json(body.get("messages")):
        raise SchemaProblem(
            "'messages' must contain the word 'json' in some form, to use 'response_format' of type "
            "'json_object'.",
            "messages",
        )
    if response_format["type"] == "json_schema":
        _check_json_schema(response_format.get("json_schema"))


def _mentions_json(messages: Any) -> bool:
    return "json" in repr(messages).lower()


def _check_json_schema(spec: Any) -> None:
    if not isinstance(spec, dict):
        raise SchemaProblem(
            "Missing required parameter: 'response_format.json_schema'.",
            "response_format.json_schema",
            "missing_required_parameter",
        )
    name = spec.get("name")
    param = "response_format.json_schema.name"
    if not name:
        raise SchemaProblem(f"Missing required parameter: '{param}'.", param, "missing_required_parameter")
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise SchemaProblem(
            f"Invalid '{param}': string does not match pattern. Expected a string that matches the "
            "pattern '^[a-zA-Z0-9_-]+$'.",
            param,
            "invalid_value",
        )
    if len(name) > NAME_MAX:
        raise SchemaProblem(
            f"Invalid '{param}': string too long. Expected a string with maximum length {NAME_MAX}, "
            f"but got a string with length {len(name)} instead.",
            param,
            "string_above_max_length",
        )
    schema = spec.get("schema")
    if schema is not None and not isinstance(schema, dict):
        raise SchemaProblem(
            "Invalid type for 'response_format.json_schema.schema': expected an object.",
            "response_format.json_schema.schema",
            "invalid_type",
        )
    if spec.get("strict") is True:
        problem = strict_schema_problem(schema or {})
        if problem is not None:
            raise SchemaProblem(f"Invalid schema for response_format '{name}': {problem}", "response_format")


def strict_schema_problem(schema: dict[str, Any]) -> str | None:
    """What strict mode refuses in `schema`, worded as the API words it; None when it is accepted."""
    if schema.get("type") != "object" or "anyOf" in schema:
        got = schema.get("type") if "anyOf" not in schema else "anyOf"
        return f"schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{got}\"'."
    properties = enum_values = 0
    for path, node, depth in _walk(schema, (), 0):
        problem = _node_problem(node, schema)
        if problem is None and depth > MAX_DEPTH:
            problem = f"the schema nests objects {depth} levels deep; at most {MAX_DEPTH} are allowed."
        if problem is not None:
            return f"In context={path!r}, {problem}"
        properties += len(node.get("properties") or {})
        enum_values += len(node.get("enum") or [])
    if properties > MAX_PROPERTIES:
        return f"the schema has {properties} object properties; at most {MAX_PROPERTIES} are allowed."
    if enum_values > MAX_ENUM_VALUES:
        return f"the schema has {enum_values} enum values; at most {MAX_ENUM_VALUES} are allowed."
    return None


Context = tuple[str, ...]


def _walk(node: Any, path: Context, depth: int) -> Iterator[tuple[Context, dict[str, Any], int]]:
    """Every subschema with its context path (as the API reports it) and its object depth."""
    if not isinstance(node, dict):
        return
    if node.get("type") == "object" or "properties" in node:
        depth += 1
    yield path, node, depth
    for key, sub in (node.get("properties") or {}).items():
        yield from _walk(sub, (*path, "properties", key), depth)
    if isinstance(node.get("items"), dict):
        yield from _walk(node["items"], (*path, "items"), depth)
    for n, option in enumerate(node.get("anyOf") or []):
        yield from _walk(option, (*path, "anyOf", str(n)), depth)
    for group in ("$defs", "definitions"):
        for key, sub in (node.get(group) or {}).items():
            yield from _walk(sub, (*path, group, key), 0)


def _node_problem(node: dict[str, Any], root: dict[str, Any]) -> str | None:
    refused = next((k for k in REFUSED_KEYWORDS if k in node), None)
    if refused is not None:
        return f"'{refused}' is not permitted."
    if "$ref" in node:
        return None if _resolve(node["$ref"], root) is not None else f"reference {node['$ref']!r} not found."
    if node.get("type") is None:
        if any(k in node for k in ("anyOf", "enum", "const")):
            return None
        return "schema must have a 'type' key."
    kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
    unknown = next((kind for kind in kinds if kind not in TYPES), None)
    if unknown is not None:
        return f"type '{unknown}' is not supported."
    if "object" in kinds:
        return _object_problem(node)
    if "array" in kinds and not isinstance(node.get("items"), dict):
        return "array schema missing items."
    if "enum" in node and (not isinstance(node["enum"], list) or not node["enum"]):
        return "'enum' must be a non-empty array."
    return None


def _object_problem(node: dict[str, Any]) -> str | None:
    if node.get("additionalProperties") is not False:
        return "'additionalProperties' is required to be supplied and to be false."
    keys = list((node.get("properties") or {}).keys())
    required = node.get("required")
    if not isinstance(required, list):
        required = []
    missing = [k for k in keys if k not in required]
    if missing or not isinstance(node.get("required"), list):
        detail = f" Missing '{missing[0]}'." if missing else ""
        return (
            "'required' is required to be supplied and to be an array including every key in "
            f"properties.{detail}"
        )
    extra = [k for k in required if k not in keys]
    if extra:
        return f"Extra required key '{extra[0]}' supplied."
    return None


def _resolve(ref: Any, root: dict[str, Any]) -> Any:
    if ref == "#":
        return root  # a recursive schema
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return None
    target: Any = root
    for part in ref.removeprefix("#/").split("/"):
        if not isinstance(target, dict) or part not in target:
            return None
        target = target[part]
    return target


def smallest(schema: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """The smallest value a (strict, structured-outputs) JSON schema accepts: null for an optional
    field, empty strings and lists (or minItems items), zero or the minimum for numbers."""
    if not isinstance(schema, dict) or depth > 32:
        return None
    if "$ref" in schema:
        return smallest(_resolve(schema["$ref"], root), root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    options = schema.get("anyOf") or schema.get("oneOf")
    if options:
        if any(isinstance(o, dict) and o.get("type") == "null" for o in options):
            return None  # an optional field: null is the smallest answer
        return smallest(options[0], root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = "null" if "null" in kind else (kind[0] if kind else None)
    if kind == "object" or "properties" in schema:
        return {key: smallest(sub, root, depth + 1) for key, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        item = smallest(schema.get("items"), root, depth + 1)
        return [item] * int(schema.get("minItems") or 0)
    if kind == "string":
        return _FORMAT_SAMPLES.get(str(schema.get("format")), "")
    if kind in ("integer", "number"):
        return _smallest_number(schema, kind)
    return False if kind == "boolean" else None


def _smallest_number(schema: dict[str, Any], kind: str) -> int | float:
    if "minimum" in schema:
        low: float = schema["minimum"]
    elif "exclusiveMinimum" in schema:
        low = schema["exclusiveMinimum"] + 1
    elif "maximum" in schema and schema["maximum"] < 0:
        low = schema["maximum"]
    else:
        low = 0
    return int(low) if kind == "integer" else low
