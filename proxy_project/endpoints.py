"""Every path the API serves, written once. The URLs (messages_api.urls), the API key's
check (messages_api.api_key), the metrics' endpoint label, the wire format a request
spoke (sessions_admin.wire_formats) and the paths browsers may call (CORS, in settings)
all derive from this table. Plain data: settings read it before any app is loaded."""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    route: str  # as django.urls.path takes it
    view: str  # its view in messages_api.views
    wire: str = ""  # the wire format it speaks (sessions_admin.wire_formats); "" for none
    api: bool = True  # behind the API key, open to browsers of the allowed origins, labelled in /metrics

    @property
    def path(self):
        return f"/{self.route}"


# Clients built for Anthropic's or OpenAI's base URL call the same endpoints with or
# without /v1 (OpenCode's openai-compatible provider, litellm, the Vercel AI SDK).
ENDPOINTS = (
    Endpoint("v1/messages", "create_message", "anthropic"),
    Endpoint("messages", "create_message", "anthropic"),
    Endpoint("v1/messages/count_tokens", "count_tokens", "anthropic"),
    Endpoint("v1/chat/completions", "create_chat_completion", "openai_chat"),
    Endpoint("chat/completions", "create_chat_completion", "openai_chat"),
    Endpoint("v1/responses", "create_response", "openai_responses"),
    Endpoint("responses", "create_response", "openai_responses"),
    Endpoint("v1/models", "list_models"),
    Endpoint("v1/models/<str:model_id>", "retrieve_model"),
    Endpoint("v1/usage", "usage_windows"),
    Endpoint("health", "health", api=False),
    Endpoint("livez", "livez", api=False),
    Endpoint("readyz", "readyz", api=False),
)
# Every path under it is the API's: one no view serves still wants the key.
API_ROOT = "v1/"


def paths_of(wire):
    return tuple(endpoint.path for endpoint in ENDPOINTS if endpoint.wire == wire)


def _outside_root():
    """The API's endpoints that are not under API_ROOT (the aliases without /v1)."""
    return [endpoint for endpoint in ENDPOINTS if endpoint.api and not endpoint.route.startswith(API_ROOT)]


def api_prefixes():
    """The API's paths as prefixes: /v1/, and each endpoint outside it (its subpaths too)."""
    return (f"/{API_ROOT}", *(endpoint.path for endpoint in _outside_root()))


PARAMETER = re.compile(r"<(?:\w+:)?\w+>")


def _matching(route):
    return re.compile("^/" + "[^/]+".join(re.escape(part) for part in PARAMETER.split(route)) + "$")


# The API's paths as a metric's label names them: a parameter as {id}, so labels stay few.
LABELS = [(_matching(endpoint.route), PARAMETER.sub("{id}", endpoint.path)) for endpoint in ENDPOINTS if endpoint.api]


def label_of(path):
    """The endpoint label of a request's path; "other" for none of the API's."""
    return next((label for pattern, label in LABELS if pattern.match(path)), "other")


def api_path_pattern():
    """A regex of the API's paths (django-cors-headers' CORS_URLS_REGEX)."""
    outside = "|".join(re.escape(endpoint.route) + "$" for endpoint in _outside_root())
    return rf"^/({re.escape(API_ROOT)}|{outside})"
