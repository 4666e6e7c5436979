"""Which wire format a request spoke: the API its client was built for, as its endpoint
says. The request log keeps the endpoint; the admin, the dashboard and the live page
show the wire format."""

from proxy_project.endpoints import paths_of

WIRE_FORMATS = (
    ("anthropic", "Anthropic"),
    ("openai_chat", "OpenAI Chat"),
    ("openai_responses", "OpenAI Responses"),
)
ENDPOINTS = {wire: paths_of(wire) for wire, _ in WIRE_FORMATS}  # the endpoint table's


def wire_format_of(endpoint):
    """The wire format of a request to `endpoint`; "" for one of none (/v1/models answers
    both kinds of client, in the shape its headers ask for)."""
    return next((wire for wire, endpoints in ENDPOINTS.items() if endpoint in endpoints), "")


def wire_format_under(path):
    """The wire format of the endpoint `path` is, or lies under (/v1/chat/completions/x,
    which no view serves, is still asked by an OpenAI client); "" for none."""
    return next(
        (wire for wire, endpoints in ENDPOINTS.items() if any(path == e or path.startswith(f"{e}/") for e in endpoints)), ""
    )


def label(wire_format):
    return dict(WIRE_FORMATS).get(wire_format, "")
