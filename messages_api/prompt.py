"""What the CLI is sent for a request: one user message in the SDK's streaming-input form.

A fresh session gets the whole conversation: a single user message as it is, several
messages as `Human:` / `Assistant:` parts. Images and documents stay content blocks,
placed where they stood in the conversation, so the model sees them rather than a
mention of them. The client's system prompt is not here: it is appended to the CLI's
own system prompt (see claude.options).
"""

import json

ROLE_LABELS = {"user": "Human", "assistant": "Assistant"}
MEDIA_BLOCKS = ("image", "document")


def _tool_result_text(content):
    return "\n".join(part.get("text", "") for part in content if part.get("type") == "text")


def without_cache_marks(value):
    """A block with no cache_control marks at any depth: the client's marks would add to
    the CLI's own and overflow the API's limit of 4."""
    if isinstance(value, list):
        return [without_cache_marks(item) for item in value]
    if isinstance(value, dict):
        return {key: without_cache_marks(item) for key, item in value.items() if key != "cache_control"}
    return value


def _media(block):
    return without_cache_marks(block if isinstance(block, dict) else block.model_dump())


def api_blocks(message):
    """A client message's content as the API's blocks, for the CLI to send as they are."""
    return [without_cache_marks(block.model_dump()) for block in message.content if block.type != "thinking"]


def block_parts(block):
    """The parts one client content block becomes: strings, or media blocks kept whole."""
    if block.type == "text":
        return [block.text]
    if block.type in MEDIA_BLOCKS:
        return [_media(block)]
    if block.type == "tool_use":
        return [f"[Tool Use: {block.name}({json.dumps(block.input)})]"]
    if block.type == "tool_result":
        media = [_media(part) for part in block.content if part.get("type") in MEDIA_BLOCKS]
        error = " (error)" if block.is_error else ""
        text = f"[Tool Result for {block.tool_use_id}{error}: {_tool_result_text(block.content)}]"
        return [text, *media]
    # Thinking is the model's own scratch work, not conversation; unknown types carry no text.
    return []


def _merge(parts):
    """Content blocks for the CLI: adjacent strings joined into one text block."""
    blocks, text = [], []
    for part in parts:
        if isinstance(part, str):
            text.append(part)
            continue
        if text:
            blocks.append({"type": "text", "text": "\n".join(text)})
            text = []
        blocks.append(part)
    if text:
        blocks.append({"type": "text", "text": "\n".join(text)})
    return blocks


def render_messages(messages):
    """The content of the one user message that starts a fresh CLI session."""
    if len(messages) == 1 and messages[0].role == "user":
        parts = [part for block in messages[0].content for part in block_parts(block)]
    else:
        parts = []
        for number, message in enumerate(messages):
            separator = "\n" if number else ""
            parts.append(f"{separator}{ROLE_LABELS[message.role]}:")
            parts.extend(part for block in message.content for part in block_parts(block))
    blocks = _merge(parts)
    if len(blocks) == 1 and blocks[0]["type"] == "text":
        return blocks[0]["text"]
    return blocks


def user_message(content):
    """The SDK's streaming-input frame for one user turn."""
    return {
        "type": "user",
        "message": {"role": "user", "content": content},
        "parent_tool_use_id": None,
    }
