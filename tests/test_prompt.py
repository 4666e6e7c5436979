"""What the CLI is sent: the client's conversation as one user message."""

from messages_api.prompt import block_parts, render_messages, user_message
from messages_api.schemas import MessagesRequest

PNG = {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}
PDF = {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQ="}


def messages(*items):
    return MessagesRequest.model_validate({"model": "claude-sonnet-4-5", "messages": list(items)}).messages


def user(content):
    return {"role": "user", "content": content}


def assistant(content):
    return {"role": "assistant", "content": content}


def test_it_sends_one_user_string_message_as_the_plain_string():
    assert render_messages(messages(user("What is 2 + 2?"))) == "What is 2 + 2?"


def test_it_joins_the_text_blocks_of_one_user_message_with_newlines():
    content = [{"type": "text", "text": "First."}, {"type": "text", "text": "Second."}]

    assert render_messages(messages(user(content))) == "First.\nSecond."


def test_it_renders_several_messages_as_human_and_assistant_parts():
    rendered = render_messages(
        messages(
            user("Hi."),
            assistant("Hello! How can I help?"),
            user([{"type": "text", "text": "Line one."}, {"type": "text", "text": "Line two."}]),
        )
    )

    assert rendered == "Human:\nHi.\n\nAssistant:\nHello! How can I help?\n\nHuman:\nLine one.\nLine two."


def test_it_labels_a_single_assistant_message():
    assert render_messages(messages(assistant("Sure."))) == "Assistant:\nSure."


def test_it_keeps_an_image_in_place_and_strips_its_cache_control():
    image = {"type": "image", "source": PNG, "cache_control": {"type": "ephemeral"}}
    content = [
        {"type": "text", "text": "Before one."},
        {"type": "text", "text": "Before two."},
        image,
        {"type": "text", "text": "After."},
    ]

    assert render_messages(messages(user(content))) == [
        {"type": "text", "text": "Before one.\nBefore two."},
        {"type": "image", "source": PNG},
        {"type": "text", "text": "After."},
    ]


def test_it_keeps_an_image_in_place_across_several_messages():
    rendered = render_messages(
        messages(
            user([{"type": "text", "text": "Look:"}, {"type": "image", "source": PNG}]),
            assistant("A cat."),
            user("Thanks."),
        )
    )

    assert rendered == [
        {"type": "text", "text": "Human:\nLook:"},
        {"type": "image", "source": PNG},
        {"type": "text", "text": "\nAssistant:\nA cat.\n\nHuman:\nThanks."},
    ]


def test_it_keeps_a_document_in_place_and_strips_its_cache_control():
    document = {"type": "document", "source": PDF, "title": "Report", "cache_control": {"type": "ephemeral"}}
    content = [{"type": "text", "text": "Summarize:"}, document, {"type": "text", "text": "Briefly."}]

    assert render_messages(messages(user(content))) == [
        {"type": "text", "text": "Summarize:"},
        {"type": "document", "source": PDF, "title": "Report"},
        {"type": "text", "text": "Briefly."},
    ]


def test_it_sends_a_lone_image_as_a_one_block_list():
    assert render_messages(messages(user([{"type": "image", "source": PNG}]))) == [{"type": "image", "source": PNG}]


def test_it_renders_tool_use_and_tool_result_as_text():
    rendered = render_messages(
        messages(
            user("Weather in Paris?"),
            assistant(
                [
                    {"type": "text", "text": "Checking."},
                    {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris", "days": 2}},
                ]
            ),
            user([{"type": "tool_result", "tool_use_id": "toolu_1", "content": "18C, sunny"}]),
        )
    )

    assert rendered == (
        "Human:\nWeather in Paris?\n\n"
        'Assistant:\nChecking.\n[Tool Use: get_weather({"city": "Paris", "days": 2})]\n\n'
        "Human:\n[Tool Result for toolu_1: 18C, sunny]"
    )


def test_it_marks_an_error_tool_result():
    [message] = messages(user([{"type": "tool_result", "tool_use_id": "toolu_2", "content": "timed out", "is_error": True}]))

    assert block_parts(message.content[0]) == ["[Tool Result for toolu_2 (error): timed out]"]


def test_it_joins_the_text_parts_of_a_tool_result_list_and_skips_the_rest():
    content = [
        {"type": "text", "text": "line 1"},
        {"type": "search_result", "title": "ignored"},
        {"type": "text", "text": "line 2"},
    ]
    [message] = messages(user([{"type": "tool_result", "tool_use_id": "toolu_3", "content": content}]))

    assert block_parts(message.content[0]) == ["[Tool Result for toolu_3: line 1\nline 2]"]


def test_it_keeps_an_image_from_a_tool_result_after_its_text():
    content = [{"type": "text", "text": "Screenshot:"}, {"type": "image", "source": PNG}]
    [message] = messages(user([{"type": "tool_result", "tool_use_id": "toolu_4", "content": content}]))

    assert block_parts(message.content[0]) == [
        "[Tool Result for toolu_4: Screenshot:]",
        {"type": "image", "source": PNG},
    ]


def test_it_renders_an_empty_tool_result():
    [message] = messages(user([{"type": "tool_result", "tool_use_id": "toolu_5"}]))

    assert block_parts(message.content[0]) == ["[Tool Result for toolu_5: ]"]


def test_it_leaves_thinking_out():
    rendered = render_messages(
        messages(
            user("Hi."),
            assistant([{"type": "thinking", "thinking": "secret plan", "signature": "sig"}, {"type": "text", "text": "Hello."}]),
        )
    )

    assert rendered == "Human:\nHi.\n\nAssistant:\nHello."


def test_it_gives_no_parts_for_thinking_or_unknown_blocks():
    [message] = messages(
        user([{"type": "thinking", "thinking": "hmm"}, {"type": "redacted_thinking", "data": "xyz"}])
    )

    assert [block_parts(block) for block in message.content] == [[], []]


def test_it_wraps_content_in_the_sdk_user_message_frame():
    assert user_message("Hello") == {
        "type": "user",
        "message": {"role": "user", "content": "Hello"},
        "parent_tool_use_id": None,
    }
    blocks = [{"type": "image", "source": PNG}]
    assert user_message(blocks) == {
        "type": "user",
        "message": {"role": "user", "content": blocks},
        "parent_tool_use_id": None,
    }


def test_it_strips_cache_control_from_images_inside_tool_results():
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "B"}}
    [message] = MessagesRequest.model_validate(
        {
            "model": "m",
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": "t",
                            "content": [{**image, "cache_control": {"type": "ephemeral"}}],
                        }
                    ],
                }
            ],
        }
    ).messages

    assert render_messages([message]) == [{"type": "text", "text": "[Tool Result for t: ]"}, image]
