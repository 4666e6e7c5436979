"""Which JSON Schemas Claude Code takes for structured outputs (its `--json-schema`)."""

import pytest

from messages_api.json_schemas import schema_problem

NODE = {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}


@pytest.mark.parametrize(
    "schema, problem",
    [
        ({"type": "object"}, None),
        ({"type": "object", "properties": {"n": {"type": "integer", "minimum": 0}}, "required": ["n"]}, None),
        ({"type": "object", "$defs": {"node": NODE}, "properties": {"root": {"$ref": "#/$defs/node"}}}, None),
        ({"type": "object", "definitions": {"a": {"type": "string"}}, "properties": {"a": {"$ref": "#/definitions/a"}}}, None),
        ({"type": "object", "properties": {"a": {"type": "nonsense"}}},
         "is not a valid JSON Schema: 'nonsense' is not valid under any of the given schemas (at properties/a/type)"),
        ({"type": "object", "required": "a"}, "is not a valid JSON Schema: 'a' is not of type 'array' (at required)"),
        ({"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}}, "$ref '#/$defs/missing' points at nothing in the schema"),
        ({"type": "object", "properties": {"a": {"$ref": "https://example.com/a.json"}}},
         "$ref 'https://example.com/a.json' points at nothing in the schema"),
    ],
    ids=["bare-object", "constraints", "recursive-ref", "definitions-ref", "unknown-type", "required-not-a-list", "dangling-ref", "remote-ref"],
)  # fmt: skip
def test_it_tells_a_schema_the_cli_refuses(schema, problem):
    assert schema_problem(schema) == problem
