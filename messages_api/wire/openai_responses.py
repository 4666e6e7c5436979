"""The OpenAI Responses API (what Codex CLI speaks): a request as the engine's Ask, the
engine's events as Responses SSE events or one response object, errors in OpenAI's
envelope.

The request's items become Anthropic messages (responses_input), the engine's events
Responses events (responses_events). `previous_response_id` names a response kept in
the database (StoredResponse): its input and output come before the new input. Only
responses the client asked to store (`store`, true unless said otherwise) are kept;
Codex says `store: false` and sends its whole history every time, so it needs none.
An `item_reference` in the input names an output item of a stored response (its id
says which one: responses_events.output_item_id) and stands for that item.
"""

import asyncio
import logging
from dataclasses import dataclass

from django.http import JsonResponse

from sessions_admin.lineage import conversation_key
from sessions_admin.models import StoredResponse

from ..conversations import Ask
from ..json_body import json_object
from ..usage import codex_headers
from ..message_builder import as_events
from . import Frames, answer, api_key_of, bad, event_stream, request_body, turn_headers
from .anthropic import frame  # the same SSE framing: event: TYPE, data: JSON
from .openai_errors import error_response  # noqa: F401 (the view's wire.error_response)
from .responses_events import ResponseEvents, response_of, response_shell
from .responses_input import NameTable, conversation_name, translate
from .responses_reasoning import asked

log = logging.getLogger("claude_proxy.wire")


@dataclass
class ResponsesAsk(Ask):
    """An Ask, and what the Responses answer needs of its request."""

    body: dict = None
    names: NameTable = None
    items: list = None  # the whole input the response answers, earlier responses' included
    api_key: str = ""  # the API key it came with: its stored response is that key's alone


async def parse(request):
    """The request as the engine's Ask; a 400 naming the field for a bad one."""
    body = json_object(request_body(request), request.headers.get("content-type", ""))
    earlier, named, api_key = [], conversation_name(request.headers, body), api_key_of(request)
    if (previous := body.get("previous_response_id")) is not None:
        stored = await StoredResponse.objects.afind(previous, api_key) if isinstance(previous, str) else None
        if stored is None:
            raise bad("previous_response_id", f"Previous response with id '{previous}' not found.")
        earlier = stored.items
        # The conversation it was part of, when the request names none of its own.
        named = named or (stored.key if stored.key_kind == "header" else "")
    if isinstance(body.get("input"), list):
        body = {**body, "input": await _referenced(body["input"], api_key)}
    # Off the event loop: opening sealed reasoning is work in proportion to the body.
    translated = await asyncio.to_thread(translate, body, earlier)
    params = translated.params
    request.record.describe(params)
    messages = [message.model_dump() for message in params.messages]
    key = conversation_key(request.headers, messages, params.system_text, named, api_key=api_key)
    return ResponsesAsk(params, key, body=body, names=translated.names, items=translated.items, api_key=api_key)


async def _referenced(items, api_key):
    """`items` with each item_reference replaced by the stored output item it names (one
    stored under the same API key)."""
    responses, resolved = {}, []  # the stored responses read, by id
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("type") == "item_reference":
            item_id = item.get("id")
            response_id = response_of(item_id) if isinstance(item_id, str) else None
            if response_id and response_id not in responses:
                responses[response_id] = await StoredResponse.objects.afind(response_id, api_key)
            item = responses[response_id].output_item(item_id) if responses.get(response_id) else None
            if item is None:
                raise bad(f"input[{index}].id", f"Item with id '{item_id}' not found.")
        resolved.append(item)
    return resolved


async def respond(ask, turn, record):
    """The answer: Responses SSE events as they come, or the whole response as JSON."""
    events = ResponseEvents(response_shell(ask.body), ask.names, asked(ask.body))
    if ask.params.stream:
        return event_stream(turn, record, ResponseFrames(ask, events), codex_headers)
    # Fed from the whole message: an attempt the CLI gave up and retried is not in it.
    for event in as_events(await answer(turn, record)):
        events.feed(event)
    await _store(ask, events)
    return JsonResponse(events.response, headers=turn_headers(turn, codex_headers))


class ResponseFrames(Frames):
    """The response's events as they come; the ending one only once the turn has ended.

    Codex hangs up as soon as it reads response.completed: the turn's end (the
    conversation's write, with the calls it waits on) and the stored response must be
    done by then, or that hang-up would cancel them."""

    def __init__(self, ask, events):
        self.ask, self.events, self.ending = ask, events, []

    def start(self):
        return [frame(event) for event in self.events.start()]

    def feed(self, event):
        out = self.events.feed(event)
        if self.events.ended:
            self.ending += out  # held back until turn.events() is done: the turn has ended
            return []
        return [frame(event) for event in out]

    async def finish(self):
        await _store(self.ask, self.events)  # usable as previous_response_id once the client hears of it
        return [frame(event) for event in self.ending]

    def failed(self, error):
        # In place of an ending held back, if there is one.
        return [frame(event) for event in self.events.fail(error)]


async def _store(ask, events):
    """Keep a response the client may continue with previous_response_id."""
    if ask.body.get("store") is False:
        return
    kind, key, scope = ask.key
    response = events.response
    await StoredResponse.objects.acreate(
        response_id=response["id"], key_kind=kind, key=key, scope=scope, api_key=ask.api_key, model=response["model"],
        input_items=ask.items, output_items=events.kept_output,
    )  # fmt: skip
