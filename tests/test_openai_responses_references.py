"""An `item_reference` input item stands for the stored output item it names, as the
Responses API has it: @ai-sdk/openai sends its earlier answers so when `store` is on."""

import openai
import pytest

from messages_api.wire.responses_events import output_item_id, response_of
from sessions_admin.models import StoredResponse
from tests.helpers import logged
from tests.openai_helpers import client
from tests.upstream import replies

pytestmark = pytest.mark.usefixtures("stored_responses")  # tests/conftest.py

EXEC = {"type": "function", "name": "exec_command", "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}}}
QUESTION = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "What is here? (references)"}]}


def test_it_names_the_response_in_an_output_items_id():
    item_id = output_item_id("fc", "resp_0123abcd", 2)

    assert (item_id, response_of(item_id)) == ("fc_0123abcd_2", "resp_0123abcd")
    assert [response_of(other) for other in ("msg_0123abcd", "fc_", "rs_abc_x", "")] == [None, None, None, None]


def test_it_continues_a_tool_round_the_client_sent_by_reference(proxy, upstream):
    upstream.enqueue(
        replies.tool_use("mcp__client__exec_command", {"cmd": "ls"}, tool_id="toolu_ref1"),
        replies.text("One file: a.txt."),
    )
    openai = client(proxy)
    first = openai.responses.create(model="claude-sonnet-4-5", input=[QUESTION], tools=[EXEC])
    message, call = first.output
    assert (message.id, call.id) == (f"msg_{first.id[5:]}_0", f"fc_{first.id[5:]}_1")

    references = [{"type": "item_reference", "id": message.id}, {"type": "item_reference", "id": call.id}]
    result = {"type": "function_call_output", "call_id": "toolu_ref1", "output": "a.txt"}
    raw = openai.responses.with_raw_response.create(model="claude-sonnet-4-5", input=[QUESTION, *references, result], tools=[EXEC])
    second = raw.parse()

    assert second.output_text == "One file: a.txt."
    sent = upstream.message_requests()
    assert len(sent) == 2  # the result went to the call the live CLI waits on
    assert sent[1].tool_results() == [("toolu_ref1", "a.txt", False)]
    assert logged(raw.headers["x-request-id"]).tool_results == [{"tool_use_id": "toolu_ref1", "is_error": False}]
    # What it stored holds the items themselves, for a previous_response_id after it.
    stored = StoredResponse.objects.get(response_id=second.id)
    assert stored.input_items == [QUESTION, message.model_dump(exclude_none=True), first.output[1].model_dump(exclude_none=True), result]


@pytest.mark.parametrize("item_id", ["msg_0000_0", "fc_nothing", 7])
def test_it_refuses_a_reference_to_an_item_it_does_not_hold(proxy, upstream, item_id):
    raw = client(proxy).responses.with_raw_response

    with pytest.raises(openai.BadRequestError) as raised:
        raw.create(model="claude-sonnet-4-5", input=[QUESTION, {"type": "item_reference", "id": item_id}])

    error = raised.value
    assert (error.status_code, error.body["param"], error.body["type"]) == (400, "input[1].id", "invalid_request_error")
    assert error.body["message"] == f"input[1].id: Item with id '{item_id}' not found."
    assert upstream.message_requests() == []
    row = logged(error.response.headers["x-request-id"])
    assert (row.endpoint, row.status, row.error_type) == ("/v1/responses", 400, "invalid_request_error")
