"""The one endpoint table (proxy_project/endpoints.py) and what derives from it: the
key's prefixes, the CORS pattern, the metrics' labels, the wire formats."""

import re

import pytest

from proxy_project.endpoints import api_path_pattern, api_prefixes, label_of, paths_of
from sessions_admin.wire_formats import wire_format_of, wire_format_under


@pytest.mark.parametrize(
    "path, label",
    [
        ("/v1/messages", "/v1/messages"),
        ("/messages", "/messages"),
        ("/v1/models/claude-opus-4-8", "/v1/models/{id}"),
        ("/v1/models/a/b", "other"),
        ("/chat/completions", "/chat/completions"),
        ("/responses", "/responses"),
        ("/v1/usage", "/v1/usage"),
        ("/health", "other"),
        ("/v1/nothing", "other"),
    ],
)
def test_it_labels_each_path_for_the_metrics(path, label):
    assert label_of(path) == label


@pytest.mark.parametrize(
    "path, browsers",
    [
        ("/v1/messages", True), ("/v1/anything", True), ("/messages", True), ("/chat/completions", True),
        ("/responses", True), ("/messagesx", False), ("/health", False), ("/admin/", False), ("/metrics", False),
    ],
)  # fmt: skip
def test_it_lets_browsers_call_the_api_paths_alone(path, browsers):
    assert bool(re.match(api_path_pattern(), path)) is browsers


def test_the_key_guards_the_api_and_everything_under_it():
    assert api_prefixes() == ("/v1/", "/messages", "/chat/completions", "/responses")


@pytest.mark.parametrize(
    "path, wire",
    [
        ("/v1/messages", "anthropic"), ("/messages", "anthropic"), ("/v1/messages/count_tokens", "anthropic"),
        ("/v1/chat/completions", "openai_chat"), ("/chat/completions", "openai_chat"),
        ("/v1/responses", "openai_responses"), ("/responses", "openai_responses"), ("/v1/models", ""),
    ],
)  # fmt: skip
def test_it_knows_the_wire_format_of_each_endpoint(path, wire):
    assert wire_format_of(path) == wire
    assert path in paths_of(wire) or wire == ""
    assert wire_format_under(f"{path}/x") == wire
