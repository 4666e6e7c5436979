"""The Anthropic Messages API: a request as the engine's Ask, the engine's events as
Anthropic's SSE events or one JSON message.

The engine's events are already Anthropic's (they are the CLI's own): a stream frames
them as they come; a JSON answer is the message they fold into.
"""

import json
import logging

from django.http import JsonResponse
from pydantic import ValidationError

from sessions_admin.lineage import conversation_key

from ..conversations import Ask
from ..errors import invalid_request
from ..json_body import first_error, json_object
from ..schemas import MessagesRequest
from ..usage import anthropic_headers
from . import Frames, answer, api_key_of, event_stream, request_body, turn_headers

log = logging.getLogger("claude_proxy.wire")

# Sampling parameters the CLI takes no value for (docs/behaviour.md: Parameters).
UNHEEDED_PARAMETERS = ("temperature", "top_p", "top_k")


def frame(event):
    """One event as SSE bytes: `event: TYPE` and its JSON on one `data:` line."""
    return f"event: {event['type']}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n".encode()


def parse_messages_request(body, content_type):
    """Validate a raw request body; raise a 400 ApiError naming the first bad field."""
    data = json_object(body, content_type)
    try:
        return MessagesRequest.model_validate(data)
    except ValidationError as exc:
        raise invalid_request(first_error(exc)) from None


def parse_params(request):
    """The request's body as a MessagesRequest; a 400 naming the first bad field."""
    return parse_messages_request(request_body(request), request.headers.get("content-type", ""))


def parse(request):
    """The request as the engine's Ask."""
    params = parse_params(request)
    request.record.describe(params)
    if unheeded := [name for name in UNHEEDED_PARAMETERS if getattr(params, name) is not None]:
        log.debug("request_id=%s the CLI cannot honour %s: left out", request.record.request_id, ", ".join(unheeded))
    messages = [message.model_dump() for message in params.messages]
    return Ask(params, conversation_key(request.headers, messages, params.system_text, api_key=api_key_of(request)))


def error_response(error):
    """An ApiError in the Anthropic envelope: {"type": "error", "error": {type, message}}."""
    return error.response()


async def respond(ask, turn, record):
    """The answer: SSE events as they come, or the whole message as JSON."""
    results = ask.params.safeguard_results
    if ask.params.stream:
        return event_stream(turn, record, AnthropicFrames(results), anthropic_headers)
    message = await answer(turn, record)
    if results:
        message["safeguard_results"] = results
    return JsonResponse(message, headers=turn_headers(turn, anthropic_headers))


class AnthropicFrames(Frames):
    """Each event as it comes, the safeguards' results in the message_delta as the API
    sends them; a failure as an `error` event."""

    def __init__(self, safeguard_results=()):
        self.safeguard_results = safeguard_results

    def feed(self, event):
        if event["type"] == "message_delta" and self.safeguard_results:
            event = {**event, "delta": {**event["delta"], "safeguard_results": self.safeguard_results}}
        return [frame(event)]

    def failed(self, error):
        return [frame(error.envelope())]
