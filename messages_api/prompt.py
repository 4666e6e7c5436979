"""What the CLI is sent of a client's messages: the API's own blocks, in the SDK's
streaming-input frame. The client's system prompt is not here: it is appended to the
CLI's own system prompt (see claude.options); the history is a transcript (history.py).
"""


def without_cache_marks(value):
    """A block with no cache_control marks at any depth: the client's marks would add to
    the CLI's own and overflow the API's limit of 4."""
    if isinstance(value, list):
        return [without_cache_marks(item) for item in value]
    if isinstance(value, dict):
        return {key: without_cache_marks(item) for key, item in value.items() if key != "cache_control"}
    return value


def api_blocks(message):
    """A client message's content as the API's blocks, for the CLI to send as they are.

    Thinking is left out: it is the model's scratch work, and the CLI keeps its own.
    """
    return [without_cache_marks(block.model_dump()) for block in message.content if block.type != "thinking"]


def user_message(content):
    """The SDK's streaming-input frame for one user turn."""
    return {
        "type": "user",
        "message": {"role": "user", "content": content},
        "parent_tool_use_id": None,
    }
