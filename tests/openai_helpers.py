"""The official `openai` client as the OpenAI-wire tests drive it."""

import openai
from openai.types.chat import ChatCompletionChunk

READ = {
    "type": "function",
    "function": {
        "name": "read",
        "description": "Read a file",
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
    },
}
GLOB = {
    "type": "function",
    "function": {"name": "glob", "description": "Find files", "parameters": {"type": "object", "properties": {"pattern": {"type": "string"}}}},
}

# Codex's exec_command, as a Responses API function tool.
EXEC_COMMAND = {
    "type": "function",
    "name": "exec_command",
    "description": "Runs a command",
    "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]},
}


def client(proxy):
    return openai.OpenAI(base_url=f"{proxy.url}/v1", api_key="dummy", max_retries=0)


def create(proxy, request_id, headers=None, **fields):
    return client(proxy).chat.completions.create(
        model="claude-sonnet-4-5", extra_headers={"x-request-id": request_id, **(headers or {})}, **fields
    )


def streamed(proxy, request_id, **fields):
    """Every chunk of a streamed answer, each checked against the client's own type."""
    chunks = list(create(proxy, request_id, stream=True, **fields))
    for chunk in chunks:
        ChatCompletionChunk.model_validate(chunk.to_dict())
    return chunks


def assembled(chunks):
    """The assistant message a client builds from chunks: its text and its tool calls."""
    text, calls = "", {}
    for chunk in chunks:
        for choice in chunk.choices:
            text += choice.delta.content or ""
            for call in choice.delta.tool_calls or ():
                if call.id:
                    calls[call.index] = {"id": call.id, "type": "function", "function": {"name": call.function.name, "arguments": ""}}
                calls[call.index]["function"]["arguments"] += call.function.arguments or ""
    return {"role": "assistant", "content": text or None, "tool_calls": [calls[index] for index in sorted(calls)]}


def finish_reasons(chunks):
    return [choice.finish_reason for chunk in chunks for choice in chunk.choices if choice.finish_reason]
