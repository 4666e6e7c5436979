"""client_tools: the client's tools as MCP handlers that wait for the client's results,
matched to their calls by id, and the small pure rules around them (the MCP content of
a result, the schema the SDK takes, the key of a tool set, what tool_choice asks)."""

import asyncio
import json

import pytest

from messages_api.claude.client_tools import (
    ToolBridge,
    input_schema,
    mcp_content,
    tool_choice_note,
    tool_set_key,
    with_tool_choice,
)
from messages_api.schemas import Tool, ToolChoice, ToolResultBlock


def tool(name, description="", input_schema=None):
    return Tool.model_validate({"name": name, "description": description, "input_schema": input_schema})


def tool_result(tool_use_id, content, is_error=False):
    return ToolResultBlock.model_validate(
        {"type": "tool_result", "tool_use_id": tool_use_id, "content": content, "is_error": is_error}
    )


def choice(**fields):
    return ToolChoice.model_validate(fields)


def text(value):
    return {"type": "text", "text": value}


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 5))


WEATHER = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


# ToolBridge: calls and their results.


def test_it_hands_each_call_its_own_result_though_results_arrive_out_of_order():
    async def scenario():
        bridge = ToolBridge([tool("lookup"), tool("weather")])
        handlers = []
        for tool_use_id in ("toolu_1", "toolu_2", "toolu_3"):
            # The CLI runs the PreToolUse hook just before each handler.
            assert await bridge._announce({"tool_name": "mcp__client__lookup"}, tool_use_id, {}) == {}
            handlers.append(asyncio.create_task(bridge._call({"q": tool_use_id})))
        await asyncio.sleep(0)
        assert not any(handler.done() for handler in handlers)

        for tool_use_id in ("toolu_3", "toolu_1", "toolu_2"):
            bridge.resolve(tool_result(tool_use_id, f"result of {tool_use_id}"))

        assert await asyncio.gather(*handlers) == [
            {"content": [text("result of toolu_1")], "is_error": False},
            {"content": [text("result of toolu_2")], "is_error": False},
            {"content": [text("result of toolu_3")], "is_error": False},
        ]

    run(scenario())


def test_it_hands_ids_to_handlers_in_the_order_the_hook_saw_them():
    async def scenario():
        bridge = ToolBridge([tool("lookup")])
        for tool_use_id in ("toolu_a", "toolu_b"):
            await bridge._announce({}, tool_use_id, {})
        first, second = asyncio.create_task(bridge._call({})), asyncio.create_task(bridge._call({}))
        await asyncio.sleep(0)

        bridge.resolve(tool_result("toolu_b", "B"))
        await asyncio.sleep(0)
        assert (first.done(), second.done()) == (False, True)
        bridge.resolve(tool_result("toolu_a", "A"))

        assert await first == {"content": [text("A")], "is_error": False}
        assert await second == {"content": [text("B")], "is_error": False}

    run(scenario())


def test_it_keeps_a_result_that_arrives_before_its_handler_asks():
    async def scenario():
        bridge = ToolBridge([tool("lookup")])
        await bridge._announce({}, "toolu_1", {})
        bridge.resolve(tool_result("toolu_1", "early"))

        assert await bridge._call({}) == {"content": [text("early")], "is_error": False}

    run(scenario())


def test_it_carries_is_error_and_the_texts_sent_beside_the_results():
    async def scenario():
        bridge = ToolBridge([tool("lookup")])
        await bridge._announce({}, "toolu_1", {})
        handler = asyncio.create_task(bridge._call({}))

        bridge.resolve(tool_result("toolu_1", "no such city", is_error=True), besides=["Also: hurry.", "Thanks."])

        assert await handler == {"content": [text("no such city"), text("Also: hurry."), text("Thanks.")], "is_error": True}

    run(scenario())


def test_it_gives_a_call_its_own_result_when_an_earlier_announced_call_never_ran():
    async def scenario():
        bridge = ToolBridge([tool("lookup")])
        # The SDK refused toolu_1 (its input against the schema) after the hook saw it.
        await bridge._announce({"tool_input": {"q": "refused"}}, "toolu_1", {})
        await bridge._announce({"tool_input": {"q": "b"}}, "toolu_2", {})
        handler = asyncio.create_task(bridge._call({"q": "b"}))
        bridge.resolve(tool_result("toolu_2", "two"))
        return await handler

    assert run(scenario()) == {"content": [text("two")], "is_error": False}


def test_it_ignores_a_second_result_for_the_same_call():
    async def scenario():
        bridge = ToolBridge([tool("lookup")])
        await bridge._announce({}, "toolu_1", {})
        handler = asyncio.create_task(bridge._call({}))

        bridge.resolve(tool_result("toolu_1", "first"))
        bridge.resolve(tool_result("toolu_1", "second", is_error=True))

        assert await handler == {"content": [text("first")], "is_error": False}

    run(scenario())


def test_it_offers_the_clients_tools_sorted_under_the_client_server():
    bridge = ToolBridge([tool("weather"), tool("lookup", "Find things")])

    assert [t.name for t in bridge.tools] == ["lookup", "weather"]
    assert bridge.allowed_tools() == ["mcp__client__lookup", "mcp__client__weather"]
    [matcher] = bridge.hooks()["PreToolUse"]
    assert (matcher.matcher, matcher.hooks) == ("^mcp__client__", [bridge._announce])
    assert list(bridge.mcp_servers()) == ["client"]


# mcp_content: a tool_result's content as MCP content.


@pytest.mark.parametrize(
    "content, expected",
    [
        pytest.param("plain", [text("plain")], id="string-short-form"),
        pytest.param([text("one"), text("two")], [text("one"), text("two")], id="texts"),
        pytest.param([{"type": "text"}], [text("")], id="text-without-text"),
        pytest.param(
            [{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}],
            [{"type": "image", "data": "iVBORw0KGgo=", "mimeType": "image/png"}],
            id="base64-image",
        ),
        pytest.param(
            [{"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}],
            [text('{"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}')],
            id="url-image-as-text",
        ),
        pytest.param(
            [{"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "doc"}}],
            [text(json.dumps({"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "doc"}}))],
            id="document-as-text",
        ),
        pytest.param([], [], id="empty"),
    ],
)
def test_it_maps_result_content_to_mcp_content(content, expected):
    assert mcp_content(tool_result("toolu_1", content)) == {"content": expected, "is_error": False}


def test_it_appends_the_texts_beside_after_the_results_content():
    block = tool_result("toolu_1", [text("42")], is_error=True)

    assert mcp_content(block, ["and a note"]) == {"content": [text("42"), text("and a note")], "is_error": True}


# input_schema and tool_set_key.


@pytest.mark.parametrize(
    "schema, expected",
    [
        pytest.param(None, {"type": "object", "properties": {}}, id="none"),
        pytest.param({}, {"type": "object", "properties": {}}, id="empty"),
        pytest.param(
            {"properties": {"q": {"type": "string"}}}, {"type": "object", "properties": {"q": {"type": "string"}}}, id="no-type"
        ),
        pytest.param({"type": "object"}, {"type": "object", "properties": {}}, id="no-properties"),
        pytest.param(WEATHER, WEATHER, id="complete"),
    ],
)
def test_it_gives_the_sdk_an_object_schema_with_properties(schema, expected):
    client_tool = tool("weather", input_schema=schema)

    assert input_schema(client_tool) == expected
    assert client_tool.input_schema == schema  # the client's own schema is left as it was


def test_it_keys_a_tool_set_by_its_tools_whatever_their_order():
    weather, lookup = tool("weather", "Weather", WEATHER), tool("lookup", "Find things")

    key = tool_set_key([weather, lookup])

    assert key == tool_set_key([lookup, weather])
    assert len(key) == 16 and int(key, 16) >= 0
    assert tool_set_key(None) == tool_set_key([])
    # A schema the SDK would read alike is the same tool set.
    assert tool_set_key([tool("lookup", "Find things", {"type": "object", "properties": {}})]) == tool_set_key([lookup])
    assert tool_set_key([lookup]) != key
    assert tool_set_key([tool("weather", "Weather today", WEATHER), lookup]) != key
    assert tool_set_key([tool("weather", "Weather", {"type": "object", "properties": {}}), lookup]) != key


# tool_choice: what the CLI cannot pass on becomes an instruction.


@pytest.mark.parametrize(
    "tool_choice, note",
    [
        pytest.param(None, None, id="none-given"),
        pytest.param(choice(type="auto"), None, id="auto"),
        pytest.param(choice(type="none"), None, id="none"),
        pytest.param(
            choice(type="any"), "<system-reminder>This answer must call at least one of the available tools.</system-reminder>", id="any"
        ),
        pytest.param(
            choice(type="tool", name="weather"), "<system-reminder>This answer must call the weather tool.</system-reminder>", id="tool"
        ),
        pytest.param(
            choice(type="auto", disable_parallel_tool_use=True),
            "<system-reminder>This answer may call at most one tool.</system-reminder>",
            id="auto-one-tool",
        ),
        pytest.param(
            choice(type="any", disable_parallel_tool_use=True),
            "<system-reminder>This answer must call at least one of the available tools and may call at most one tool.</system-reminder>",
            id="any-one-tool",
        ),
        pytest.param(
            choice(type="tool", name="weather", disable_parallel_tool_use=True),
            "<system-reminder>This answer must call the weather tool and may call at most one tool.</system-reminder>",
            id="tool-one-tool",
        ),
    ],
)
def test_it_tells_the_model_what_tool_choice_asks(tool_choice, note):
    assert tool_choice_note(tool_choice) == note
    if note is None:
        assert with_tool_choice("Hi", tool_choice) == "Hi"
        blocks = [text("Hi")]
        assert with_tool_choice(blocks, tool_choice) is blocks
    else:
        assert with_tool_choice("Hi", tool_choice) == [text("Hi"), text(note)]
        image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "x"}}
        assert with_tool_choice([text("Hi"), image], tool_choice) == [text("Hi"), image, text(note)]
