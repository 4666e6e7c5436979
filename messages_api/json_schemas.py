"""Whether a JSON Schema is one Claude Code can take for structured outputs: valid
against its meta-schema, and every `$ref` in it resolving inside it. The CLI checks the
same when it starts (`--json-schema`) and exits on a bad one; checked here, the client
gets a 400 naming its field before any CLI starts. Pure."""

import jsonschema
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012


def schema_problem(schema):
    """What makes `schema` (a dict) no schema the CLI takes, or None."""
    try:
        _validator_for(schema).check_schema(schema)
    except SchemaError as error:
        where = "/".join(str(step) for step in error.absolute_path)
        return f"is not a valid JSON Schema: {error.message}" + (f" (at {where})" if where else "")
    resolver = Registry().with_resource("", Resource.from_contents(schema, default_specification=DRAFT202012)).resolver()
    for ref in _refs(schema):
        try:
            resolver.lookup(ref)
        except Unresolvable:
            return f"$ref {ref!r} points at nothing in the schema"
    return None


def accepts(schema, value):
    """Whether `value` is valid against `schema` (one schema_problem found nothing in)."""
    return _validator_for(schema)(schema).is_valid(value)


def _validator_for(schema):
    """The validator of the draft `schema` names ($schema), else 2020-12's."""
    return jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)


def _refs(schema):
    pending = [schema]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if isinstance(item.get("$ref"), str):
                yield item["$ref"]
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
