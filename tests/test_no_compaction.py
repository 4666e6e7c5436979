"""No compaction the client did not ask for: a long conversation goes on with its whole
history, and a prompt over the window is the API's 400, which clients compact on."""

import httpx
import openai
import pytest

from tests.helpers import assistant, logged, message_body, user
from tests.openai_helpers import client as openai_client
from tests.upstream import replies

# What the API says of a prompt over the window; the CLI passes on only its first words.
TOO_LONG = "prompt is too long: 1000123 tokens > 1000000 maximum"


def _near_the_window(text):
    """An answer whose usage says the context is 995k tokens, in message_start and, as the
    API sends it, in message_delta's cumulative usage."""
    reply = replies.text(text, input_tokens=995_000)
    for event in reply.events:
        if event["type"] == "message_delta":
            event["usage"] = {**event["usage"], "input_tokens": 995_000, "cache_read_input_tokens": 0}
    return reply


def _ask(proxy, messages, session):
    body = message_body(stream=False, messages=messages)
    return httpx.post(f"{proxy.url}/v1/messages", json=body, headers={"x-session-id": session}, timeout=60)


def test_it_goes_on_near_the_window_with_the_whole_history(proxy, upstream):
    """The CLI, left to itself, compacts past ~98 % of the window it believes the model has:
    two summarization calls, then a summary where the history was."""
    messages = [user("Near the window, turn 1")]
    upstream.enqueue(*(_near_the_window(f"answer {turn}") for turn in range(1, 5)))
    for turn in range(1, 5):
        before = len(upstream.message_requests())
        response = _ask(proxy, messages, "near-the-window")
        assert response.status_code == 200, response.text
        assert response.json()["content"][0]["text"] == f"answer {turn}"
        [call] = upstream.message_requests()[before:]
        assert call.history() == [(message["role"], message["content"][0]["text"]) for message in messages]
        messages += [assistant(f"answer {turn}"), user(f"Near the window, turn {turn + 1}")]


# The prompt over the window is a conversation's second turn: with a first one behind it,
# the CLI left to itself compacts that and answers 200 from a summary.
@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_it_answers_a_prompt_over_the_window_with_the_apis_400(proxy, upstream, stream):
    session, first = f"too-long-{stream}", [user(f"A first prompt {stream}")]
    assert _ask(proxy, first, session).status_code == 200
    upstream.enqueue(replies.error(400, TOO_LONG))
    before = len(upstream.message_requests())

    body = message_body(stream=stream, messages=[*first, assistant("Hello from the fake upstream."), user("A huge paste")])
    response = httpx.post(f"{proxy.url}/v1/messages", json=body, headers={"x-session-id": session}, timeout=60)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"].lower().startswith("prompt is too long")
    assert len(upstream.message_requests()) == before + 1
    row = logged(response.headers["x-request-id"])
    assert (row.status, row.error_type) == (400, "invalid_request_error")


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_it_gives_chat_completions_context_length_exceeded(proxy, upstream, stream):
    chat = openai_client(proxy).chat.completions
    messages = [{"role": "user", "content": f"A first chat prompt {stream}"}]
    first = chat.create(model="claude-sonnet-4-5", messages=messages)
    messages += [{"role": "assistant", "content": first.choices[0].message.content}, {"role": "user", "content": "A huge paste"}]
    upstream.enqueue(replies.error(400, TOO_LONG))
    before = len(upstream.message_requests())

    with pytest.raises(openai.BadRequestError) as caught:
        chat.create(model="claude-sonnet-4-5", messages=messages, stream=stream)

    assert caught.value.status_code == 400
    assert caught.value.code == "context_length_exceeded"
    assert len(upstream.message_requests()) == before + 1


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_it_gives_the_responses_api_context_length_exceeded(proxy, upstream, stream):
    responses = openai_client(proxy).responses
    items = [{"role": "user", "content": f"A first responses prompt {stream}"}]
    first = responses.create(model="claude-sonnet-4-5", input=items, store=False)
    items += [{"role": "assistant", "content": first.output_text}, {"role": "user", "content": "A huge paste"}]
    upstream.enqueue(replies.error(400, TOO_LONG))
    before = len(upstream.message_requests())

    with pytest.raises(openai.BadRequestError) as caught:
        responses.create(model="claude-sonnet-4-5", input=items, store=False, stream=stream)

    assert caught.value.status_code == 400
    assert caught.value.code == "context_length_exceeded"
    assert len(upstream.message_requests()) == before + 1


def test_it_starts_the_clients_compacted_history_afresh(proxy, upstream):
    """After the 400 a client compacts on its own (OpenCode and Codex do): its next request
    is a summary and a tail, which the upstream gets as sent, not past the failed turn."""
    session = "compacted-by-the-client"
    answered = [user("Turn one"), assistant("One answered.")]
    upstream.enqueue(replies.text("One answered."))
    assert _ask(proxy, answered[:1], session).status_code == 200
    upstream.enqueue(replies.error(400, TOO_LONG))
    assert _ask(proxy, [*answered, user("A huge paste")], session).status_code == 400
    compacted = [user("Summary: we talked about turn one."), assistant("Understood."), user("Go on")]
    before = len(upstream.message_requests())

    response = _ask(proxy, compacted, session)

    assert response.status_code == 200, response.text
    [call] = upstream.message_requests()[before:]
    assert call.history() == [(message["role"], message["content"][0]["text"]) for message in compacted]
