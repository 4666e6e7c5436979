"""A request body as the JSON object every wire format reads it as: a 400 saying why not."""

import json
import re

from .errors import invalid_request

JSON_CONTENT_TYPES = ("application/json",)
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def field_path(loc):
    return ".".join(str(part) for part in loc)


def _no_constants(name):
    raise ValueError(f"{name} is not valid JSON")


def _lone_surrogate(value, path=()):
    """The path of the first string holding a lone UTF-16 surrogate, or None."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            return path
        return None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if (found := _lone_surrogate(item, (*path, key))) is not None:
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
    # JSON may escape half of a UTF-16 pair ("\ud800"), which is no text: refuse it
    # here rather than fail wherever it is first encoded.
    if SURROGATE_ESCAPE.search(body) and (path := _lone_surrogate(data)) is not None:
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
