"""How the tool blocks of a history must pair up, as the Messages API requires."""


def tool_pairing_problem(messages):
    """What the API refuses about the tool blocks of a history, in its words, or None:
    a tool call only in an assistant message, a result only in a user message and only
    for a call of the message before it, and every call answered in the next message."""
    for index, message in enumerate(messages):
        for number, block in enumerate(message.content):
            where = f"messages.{index}.content.{number}"
            if block.type == "tool_use" and message.role != "assistant":
                return f"{where}: `tool_use` blocks can only be in assistant messages"
            if block.type == "tool_result" and message.role != "user":
                return f"{where}: `tool_result` blocks can only be in user messages"
        calls = [block.id for block in message.content if block.type == "tool_use"]
        following = messages[index + 1] if index + 1 < len(messages) else None
        results = [block for block in following.content if block.type == "tool_result"] if following else []
        if following is not None and (missing := [id_ for id_ in calls if id_ not in {r.tool_use_id for r in results}]):
            return (
                f"messages.{index}: `tool_use` ids were found without `tool_result` blocks immediately after: "
                f"{', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` block in the next message."
            )
        if message.role == "user":
            before = messages[index - 1] if index else None
            offered = {block.id for block in before.content if block.type == "tool_use"} if before else set()
            for number, block in enumerate(message.content):
                if block.type == "tool_result" and block.tool_use_id not in offered:
                    return (
                        f"messages.{index}.content.{number}: unexpected `tool_use_id` found in `tool_result` blocks: "
                        f"{block.tool_use_id}. Each `tool_result` block must have a corresponding `tool_use` block in the previous message."
                    )
    return None
