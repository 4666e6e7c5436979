"""A request body as the JSON object every wire format reads it as: a 400 saying why not."""

import json
import re

from .errors import invalid_request

JSON_CONTENT_TYPES = ("application/json",)
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
# How deep a body may nest, on every wire: past it the engine's recursive steps (pydantic,
# the lineage hashes, json.dumps) would fail after the request was taken. Room for a
# tool's input_schema at its own bound (schemas.MAX_SCHEMA_DEPTH) inside a body.
MAX_DEPTH = 100


def field_path(loc):
    return ".".join(str(part) for part in loc)


def _no_constants(name):
    raise ValueError(f"{name} is not valid JSON")


# A depth past the bound is named by the field it is in: the first steps of its path
# (tools.1.input_schema, messages.0.content), not the hundred down to where it is.
NAMED_STEPS = 3


def nested_deeper_than(value, limit):
    """The field (its first NAMED_STEPS steps) of `value` (decoded JSON) that nests objects
    and arrays more than `limit` deep, or None. One walk without recursion on every
    request's body: each node costs a depth, and a path only as far as it is named."""
    pending = [(value, 1, ())]
    pop, push = pending.pop, pending.append
    while pending:
        item, depth, field = pop()
        if depth > limit:
            return field
        named = depth <= NAMED_STEPS
        for key, child in item.items() if isinstance(item, dict) else enumerate(item):
            if isinstance(child, (dict, list)):
                push((child, depth + 1, (*field, key) if named else field))
    return None


def _is_text(value):
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def lone_surrogate(value, path=()):
    """The path of the first string (a value or a key) holding a lone UTF-16 surrogate,
    or None."""
    if isinstance(value, str):
        return None if _is_text(value) else path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and not _is_text(key):
            return (*path, key.encode(errors="replace").decode())
        if (found := lone_surrogate(item, (*path, key))) is not None:
            return found
    return None


def json_object(body, content_type):
    """A raw request body as the JSON object it must be; a 400 ApiError saying why not.
    Every wire format reads its body by these rules."""
    if content_type.split(";")[0].strip().lower() not in JSON_CONTENT_TYPES:
        raise invalid_request(f"content-type must be application/json, not {content_type or 'missing'!r}")
    try:
        data = json.loads(body, parse_constant=_no_constants)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid_request(f"The request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise invalid_request("The request body is not valid JSON: it is nested too deeply") from None
    if not isinstance(data, dict):
        raise invalid_request("The request body must be a JSON object")
    if (field := nested_deeper_than(data, MAX_DEPTH)) is not None:
        raise invalid_request(f"{field_path(field)}: nested more than {MAX_DEPTH} levels deep")
    # JSON may escape half of a UTF-16 pair ("\ud800"), which is no text: refuse it
    # here rather than fail wherever it is first encoded.
    if SURROGATE_ESCAPE.search(body) and (path := lone_surrogate(data)) is not None:
        raise invalid_request(f"{field_path(path)}: the string holds a lone UTF-16 surrogate, which is not valid text")
    return data


def first_error(error):
    """A pydantic ValidationError as one line naming the first bad field."""
    detail = error.errors(include_url=False)[0]
    path = field_path(detail["loc"])
    message = detail["msg"].split(" or instance of ")[0]
    if detail["type"] == "union_tag_not_found":
        message = "Input should be an object with a string 'type'"
    if detail["type"] == "union_tag_invalid":
        expected = detail["ctx"]["expected_tags"]
        message = f"type {detail['ctx']['tag']!r} is not one of {expected}"
    return f"{path}: {message}" if path else message
