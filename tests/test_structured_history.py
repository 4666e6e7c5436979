"""A fresh session with history gets it as real messages: tool_use and tool_result
blocks with their ids, images, text turns; never `Human:` / `Assistant:` text."""

import json

import httpx

from tests.test_client_tools import TOOLS
from tests.upstream import replies

PNG = {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}


def _post(proxy, messages, **fields):
    body = {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": messages, "stream": False, **fields}
    return httpx.post(f"{proxy.url}/v1/messages", json=body, timeout=60)


def _conversation(request):
    """The user and assistant messages the CLI sent, its own reminder blocks left out."""
    sent = []
    for message in request.body["messages"]:
        if message["role"] == "system":
            continue
        content = message["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        blocks = [
            {key: value for key, value in block.items() if key != "cache_control"}
            for block in blocks
            if not (block.get("type") == "text" and block["text"].startswith("<system-reminder>"))
        ]
        sent.append((message["role"], blocks))
    return sent


def test_it_sends_a_tool_history_as_blocks_with_their_ids(proxy, upstream):
    upstream.enqueue(replies.text("The answer is 42."))
    history = [
        {"role": "user", "content": "What is in answer.txt?"},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me read it."},
                {"type": "tool_use", "id": "toolu_hist", "name": "read", "input": {"path": "answer.txt"}},
            ],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_hist", "content": "42"}]},
    ]

    response = _post(proxy, history, tools=TOOLS)

    assert [block["text"] for block in response.json()["content"]] == ["The answer is 42."]
    [sent] = upstream.message_requests()
    conversation = _conversation(sent)
    assert [role for role, _ in conversation] == ["user", "assistant", "user"]
    assert conversation[0][1] == [{"type": "text", "text": "What is in answer.txt?"}]
    assert conversation[1][1] == [
        {"type": "text", "text": "Let me read it."},
        # As the CLI offers the client's tool, and names it on a live session.
        {"type": "tool_use", "id": "toolu_hist", "name": "mcp__client__read", "input": {"path": "answer.txt"}},
    ]
    assert "mcp__client__read" in [tool["name"] for tool in sent.body["tools"]]
    [result] = conversation[2][1]
    assert (result["type"], result["tool_use_id"], result.get("is_error", False)) == ("tool_result", "toolu_hist", False)
    texts = [part["text"] for part in result["content"] if not part["text"].startswith("<system-reminder>")]
    assert texts == ["42"]
    body = json.dumps(sent.body)
    assert "Human:" not in body and "[Tool Use" not in body and "[Tool call interrupted" not in body


def test_it_sends_a_text_history_as_alternating_messages(proxy, upstream):
    history = [
        {"role": "user", "content": [{"type": "text", "text": "Name a colour."}, {"type": "image", "source": PNG}]},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another one?"},
    ]

    _post(proxy, history)

    [sent] = upstream.message_requests()
    conversation = _conversation(sent)
    assert conversation[0] == ("user", [{"type": "text", "text": "Name a colour."}, {"type": "image", "source": PNG}])
    assert conversation[1] == ("assistant", [{"type": "text", "text": "Blue."}])
    assert conversation[2][0] == "user"
    assert [block["text"] for block in conversation[2][1] if block["type"] == "text"][-1] == "Another one?"
    assert "Human:" not in json.dumps(sent.body)
