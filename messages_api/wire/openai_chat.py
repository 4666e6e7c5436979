"""OpenAI Chat Completions (POST /v1/chat/completions): a request as the engine's Ask,
the engine's events as `chat.completion.chunk` SSE or one `chat.completion`, errors
in OpenAI's envelope.

The request is translated into the Anthropic Messages request the engine takes
(openai_chat_request, openai_chat_messages) and validated by the engine's own
MessagesRequest, so every rule of /v1/messages applies; the answer is rendered by
openai_chat_render. A tool call's id is the CLI's tool_use id, so the client's next
request, whose `tool` messages name it, resolves the call the live CLI waits on.
"""

import json
import logging
from dataclasses import dataclass

from django.http import JsonResponse

from sessions_admin.lineage import conversation_key

from ..conversations import Ask
from ..errors import invalid_request
from ..json_body import json_object
from ..usage import codex_headers
from . import Frames, answer, api_key_of, event_stream, request_body, turn_headers
from .openai_chat_render import Chunks, completion
from .openai_chat_request import translate
from .openai_errors import envelope, error_response  # noqa: F401 (the view's wire.error_response)

log = logging.getLogger("claude_proxy.wire")

DONE = b"data: [DONE]\n\n"
# Where OpenAI clients name their conversation (Codex and others): the headers, then
# the body's prompt_cache_key. The Anthropic side's session headers come first.
# (Codex also sends `session_id`, but daphne drops every header with an underscore.)
SESSION_HEADERS = ("session-id", "thread-id")
# Accepted and left out: the CLI takes no value for them (docs/clients.md: OpenAI clients).
UNHEEDED_PARAMETERS = (
    "temperature", "top_p", "frequency_penalty", "presence_penalty", "seed", "user", "logit_bias", "metadata", "store",
)  # fmt: skip


@dataclass
class ChatAsk(Ask):
    """An Ask with what the OpenAI answer needs beyond the engine's request."""

    include_usage: bool = False


def frame(chunk):
    """One chunk as SSE bytes: a `data:` line of JSON, no event name (OpenAI's framing)."""
    return f"data: {json.dumps(chunk, separators=(',', ':'), ensure_ascii=False)}\n\n".encode()


def conversation_name(headers, body):
    """The conversation an OpenAI client names, or "" (then the fingerprint decides)."""
    for name in SESSION_HEADERS:
        if value := headers.get(name, "").strip():
            return value
    named = body.get("prompt_cache_key")
    if named is not None and not isinstance(named, str):
        raise invalid_request("prompt_cache_key: Input should be a valid string")
    return named or ""


def parse(request):
    """The request as the engine's Ask; a 400 in OpenAI's envelope naming the field."""
    body = json_object(request_body(request), request.headers.get("content-type", ""))
    translation = translate(body)
    params = translation.validated()
    request.record.describe(params)
    if unheeded := [name for name in UNHEEDED_PARAMETERS if body.get(name) is not None]:
        log.debug("request_id=%s the CLI cannot honour %s: left out", request.record.request_id, ", ".join(unheeded))
    messages = [message.model_dump() for message in params.messages]
    named = conversation_name(request.headers, body)
    key = conversation_key(request.headers, messages, params.system_text, named=named, api_key=api_key_of(request))
    return ChatAsk(params, key, include_usage=translation.include_usage)


async def respond(ask, turn, record):
    """The answer: chunks as they come, or the whole completion as JSON."""
    if ask.params.stream:
        return event_stream(turn, record, ChatFrames(ask), codex_headers)
    return JsonResponse(completion(await answer(turn, record), ask.params.model), headers=turn_headers(turn, codex_headers))


class ChatFrames(Frames):
    """chat.completion.chunk frames, then [DONE]."""

    def __init__(self, ask):
        self.chunks = Chunks(ask.params.model, include_usage=ask.include_usage)

    def feed(self, event):
        return [frame(chunk) for chunk in self.chunks.feed(event)]

    async def finish(self):
        return [DONE]

    def failed(self, error):
        # The OpenAI clients raise an APIError on a chunk with an "error" key. No [DONE]
        # follows: the answer did not complete.
        return [frame(envelope(error))]
