"""The models the proxy serves, in the shape of the Anthropic Models API.

Claude Code takes a family alias, not a model id: a name holding "opus" runs the CLI's
`opus`, one holding "haiku" its `haiku`, anything else its `sonnet` (claude.options.
cli_model). So every id below is answered by the newest model of its family that the
installed Claude Code knows (Opus 5.5, Sonnet 5.5 and Haiku 5.5 for the bundled 2.1.332),
and an id missing here still works in /v1/messages.

OpenAI clients read the same list (`client.models.list()`): a request without
`anthropic-version` (which every Anthropic client sends) gets the OpenAI fields too.
"""

from datetime import datetime

from .claude.options import cli_model
from .errors import ApiError, invalid_request

# The current ids of the three families in the bundled Claude Code's model catalog
# (claude-opus-4-1, claude-opus-4-0 and claude-sonnet-4-0 are retired there), newest
# first as the API lists them. created_at is the release date; the first four have none
# we could find offline, so theirs is the build date of the bundled Claude Code
# (2026-11-24), the first sign we hold that they exist.
MODELS = (
    ("claude-opus-5-5", "Claude Opus 5.5", "2026-11-24T00:00:00Z"),
    ("claude-sonnet-5-5", "Claude Sonnet 5.5", "2026-11-24T00:00:00Z"),
    ("claude-haiku-5-5", "Claude Haiku 5.5", "2026-11-24T00:00:00Z"),
    ("claude-opus-5", "Claude Opus 5", "2026-11-24T00:00:00Z"),
    ("claude-sonnet-5", "Claude Sonnet 5", "2026-06-30T00:00:00Z"),
    ("claude-opus-4-8", "Claude Opus 4.8", "2026-05-28T00:00:00Z"),
    ("claude-opus-4-7", "Claude Opus 4.7", "2026-04-16T00:00:00Z"),
    ("claude-sonnet-4-6", "Claude Sonnet 4.6", "2026-02-17T00:00:00Z"),
    ("claude-opus-4-6", "Claude Opus 4.6", "2026-02-05T00:00:00Z"),
    ("claude-opus-4-5", "Claude Opus 4.5", "2025-11-24T00:00:00Z"),
    ("claude-haiku-4-5", "Claude Haiku 4.5", "2025-10-15T00:00:00Z"),
    ("claude-sonnet-4-5", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"),
)

# The context window, in tokens, of every model above as Claude Code runs it: the newest of
# each family, whose window the CLI reports as 1,000,000 (ResultMessage.model_usage's
# contextWindow, for sonnet, opus and haiku with the bundled 2.1.332).
CONTEXT_WINDOW = 1_000_000

# Dated snapshot ids clients still send; retrieving one gives its model, as the API does.
SNAPSHOTS = {
    "claude-opus-4-5-20251101": "claude-opus-4-5",
    "claude-haiku-4-5-20251001": "claude-haiku-4-5",
    "claude-sonnet-4-5-20250929": "claude-sonnet-4-5",
}

DEFAULT_LIMIT = 20
MAX_LIMIT = 1000

_IDS = [model_id for model_id, _, _ in MODELS]


def _info(index):
    model_id, display_name, created_at = MODELS[index]
    return {"id": model_id, "type": "model", "display_name": display_name, "created_at": created_at}


def _index(model_id, listed=None):
    """Its place in MODELS, if `listed` (indices; None: all of them) holds it."""
    model_id = SNAPSHOTS.get(model_id, model_id)
    index = _IDS.index(model_id) if model_id in _IDS else None
    return index if listed is None or index in listed else None


def listed_for(families=None):
    """The indices of MODELS a key kept to `families` (None: every family) sees."""
    return [index for index, model_id in enumerate(_IDS) if families is None or cli_model(model_id) in families]


def model_info(model_id, families=None):
    """One model as GET /v1/models/{id} gives it; a 404 not_found_error if we list none
    such, or none such for a key kept to `families`, as the API answers for a model the
    key has no access to."""
    index = _index(model_id, listed_for(families))
    if index is None:
        raise ApiError(404, "not_found_error", f"model: {model_id}")
    return _info(index)


def page_params(query):
    """limit, before_id and after_id from a query string, as the API takes them."""
    raw_limit = query.get("limit", str(DEFAULT_LIMIT))
    try:
        limit = int(raw_limit)
    except ValueError:
        raise invalid_request(f"limit: Input should be a valid integer, not {raw_limit!r}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid_request(f"limit: Input should be between 1 and {MAX_LIMIT}, not {limit}")
    before_id, after_id = query.get("before_id") or None, query.get("after_id") or None
    if before_id and after_id:
        raise invalid_request("before_id: cannot be given together with after_id")
    return {"limit": limit, "before_id": before_id, "after_id": after_id}


def page(limit=DEFAULT_LIMIT, before_id=None, after_id=None, families=None):
    """One page of GET /v1/models (of the models of `families`, None: all): `limit`
    models after `after_id`, before `before_id`, or from the newest. has_more says
    whether more lie further that way, which is where the SDKs go next (before
    first_id, or after last_id)."""
    listed = listed_for(families)
    for name, cursor in (("before_id", before_id), ("after_id", after_id)):
        if cursor and _index(cursor, listed) is None:
            raise invalid_request(f"{name}: no model {cursor!r} in this list")
    if before_id:
        end = listed.index(_index(before_id))
        start = max(0, end - limit)
        has_more = start > 0
    else:
        start = listed.index(_index(after_id)) + 1 if after_id else 0
        end = min(len(listed), start + limit)
        has_more = end < len(listed)
    data = [_info(index) for index in listed[start:end]]
    return {
        "data": data,
        "has_more": has_more,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }


OWNED_BY = "anthropic"


def openai_client(headers):
    """Whether the request is not an Anthropic client's: every one sends anthropic-version."""
    return "anthropic-version" not in headers


def with_openai_fields(model):
    """A model as OpenAI's Models API also gives it: object, created (Unix seconds),
    owned_by; the Anthropic fields stay, so either kind of client reads it."""
    created = int(datetime.fromisoformat(model["created_at"]).timestamp())
    return {**model, "object": "model", "created": created, "owned_by": OWNED_BY}


def with_openai_list_fields(page):
    return {"object": "list", **page, "data": [with_openai_fields(model) for model in page["data"]]}
