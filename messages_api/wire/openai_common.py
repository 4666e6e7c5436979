"""What both OpenAI wires (Chat Completions, Responses) read the same way: one effort
table, a tool call's `arguments`. Pure; a bad value is a 400 naming the client's field."""

import json

from ..json_body import MAX_DEPTH, lone_surrogate, nested_deeper_than
from . import bad

# OpenAI's reasoning efforts as Claude's. "none" and "minimal" ask for the least reasoning
# there is, which for Claude is `low` (no effort at all would be the CLI's default, medium).
EFFORTS = {"none": "low", "minimal": "low", "low": "low", "medium": "medium", "high": "high", "xhigh": "xhigh", "max": "max"}


def effort(value, param):
    """Claude's effort for an OpenAI reasoning effort, None when none is asked for."""
    if value is None:
        return None
    if not isinstance(value, str) or value not in EFFORTS:
        raise bad(param, f"expected one of {', '.join(EFFORTS)}, got {value!r}")
    return EFFORTS[value]


def arguments(value, param):
    """A tool call's arguments (a JSON text; chat also takes the object) as the object
    they must be, nested no deeper than a body may be."""
    if value is None or value == "":
        return {}
    escaped = False
    if isinstance(value, str):
        escaped = "\\u" in value
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise bad(param, f"is not valid JSON ({exc})") from None
        except RecursionError:
            raise bad(param, f"is nested more than {MAX_DEPTH} levels deep") from None
    if not isinstance(value, dict):
        raise bad(param, "must be a JSON object")
    if nested_deeper_than(value, MAX_DEPTH) is not None:
        raise bad(param, f"is nested more than {MAX_DEPTH} levels deep")
    # The JSON text may escape half a UTF-16 pair, as a body may (json_body refuses that).
    if escaped and lone_surrogate(value) is not None:
        raise bad(param, "holds a lone UTF-16 surrogate, which is not valid text")
    return value
