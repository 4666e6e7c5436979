"""message_hash, reply_digest and trace: how a request's history relates to the Claude session's."""


import pytest

from sessions_admin.lineage import LINEAGE_KINDS, Lineage, message_hash, reply_digest, trace
from sessions_admin.models import Conversation
from tests.helpers import assistant, sha256, user




def tool_result_then_text(tool_use_id, result, text):
    return {
        "role": "user",
        "content": [
            {"type": "tool_result", "tool_use_id": tool_use_id, "content": [{"type": "text", "text": result}]},
            {"type": "text", "text": text},
        ],
    }


def hashes(messages):
    return [message_hash(message) for message in messages]


# The history the Claude session holds: three messages, then Claude answered REPLY.
STORED = [user("Write a haiku"), assistant("Leaves fall..."), user("Another one")]
REPLY = "Snow on the pine"
STORED_HASHES = hashes(STORED)
STORED_REPLY = reply_digest([{"type": "text", "text": REPLY}])


# message_hash


def test_it_hashes_a_message_as_sha256_of_its_canonical_json():
    message = {"role": "user", "content": [{"type": "text", "text": "hi"}]}

    assert message_hash(message) == sha256('{"content":[{"text":"hi","type":"text"}],"role":"user"}')


def test_it_ignores_cache_control_on_a_block_when_hashing():
    marked = {"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}]}

    assert message_hash(marked) == message_hash(user("hi"))


def test_it_ignores_cache_control_nested_inside_a_tool_result_when_hashing():
    def message(inner):
        return {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [inner]}]}

    plain = message({"type": "text", "text": "42"})
    marked = message({"type": "text", "text": "42", "cache_control": {"type": "ephemeral", "ttl": "1h"}})

    assert message_hash(marked) == message_hash(plain)


def test_it_ignores_the_signature_of_a_thinking_block_when_hashing():
    def message(thinking_block):
        return {"role": "assistant", "content": [thinking_block, {"type": "text", "text": "Answer"}]}

    signed = message({"type": "thinking", "thinking": "Let me think", "signature": "sig-A"})
    resigned = message({"type": "thinking", "thinking": "Let me think", "signature": "sig-B"})
    unsigned = message({"type": "thinking", "thinking": "Let me think"})

    assert message_hash(signed) == message_hash(resigned) == message_hash(unsigned)


def test_it_still_hashes_the_thinking_text_of_a_thinking_block():
    def message(thinking):
        return {"role": "assistant", "content": [{"type": "thinking", "thinking": thinking, "signature": "sig"}]}

    assert message_hash(message("Let me think")) != message_hash(message("Let me reconsider"))


def test_it_keeps_a_signature_field_on_blocks_that_are_not_thinking():
    def message(signature):
        return {"role": "user", "content": [{"type": "text", "text": "hi", "signature": signature}]}

    assert message_hash(message("sig-A")) != message_hash(message("sig-B"))


def test_it_hashes_the_same_text_differently_for_another_role():
    assert message_hash(user("hi")) != message_hash(assistant("hi"))


def test_it_hashes_a_changed_text_differently():
    assert message_hash(user("hi")) != message_hash(user("hi!"))


def test_it_hashes_the_same_message_the_same_whatever_its_key_order():
    forward = {"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}]}
    backward = {"content": [{"cache_control": {"type": "ephemeral"}, "text": "hi", "type": "text"}], "role": "user"}

    assert message_hash(forward) == message_hash(backward)


def test_it_ignores_keys_of_the_message_other_than_role_and_content():
    extra = {**user("hi"), "id": "msg_1"}

    assert message_hash(extra) == message_hash(user("hi"))


# reply_digest


def test_it_digests_a_reply_as_sha256_of_its_text():
    assert reply_digest([{"type": "text", "text": "Snow on the pine"}]) == sha256("Snow on the pine")


def test_it_joins_several_text_blocks_of_a_reply_with_newlines():
    content = [{"type": "text", "text": "One"}, {"type": "text", "text": "Two"}]

    assert reply_digest(content) == sha256("One\nTwo")


def test_it_ignores_thinking_blocks_in_a_reply():
    content = [{"type": "thinking", "thinking": "Hmm", "signature": "sig"}, {"type": "text", "text": "Snow on the pine"}]

    assert reply_digest(content) == reply_digest([{"type": "text", "text": "Snow on the pine"}])


def test_it_tells_replies_apart_by_their_tool_calls():
    def call(tool_id, path):
        return {"type": "tool_use", "id": tool_id, "name": "read", "input": {"path": path}}

    digests = {
        reply_digest([]),
        reply_digest([call("toolu_1", "a.py")]),
        reply_digest([call("toolu_2", "a.py")]),
        reply_digest([call("toolu_1", "b.py")]),
        reply_digest([{"type": "text", "text": "Let me look."}, call("toolu_1", "a.py")]),
    }

    assert len(digests) == 5


def test_it_ignores_whitespace_at_the_ends_of_reply_text():
    assert reply_digest([{"type": "text", "text": "\n  Snow on the pine \n"}]) == sha256("Snow on the pine")


def test_it_ignores_cache_control_on_a_reply_text_block():
    content = [{"type": "text", "text": "Snow on the pine", "cache_control": {"type": "ephemeral"}}]

    assert reply_digest(content) == sha256("Snow on the pine")


def test_it_digests_a_reply_with_a_different_text_differently():
    assert reply_digest([{"type": "text", "text": "Snow on the pine"}]) != reply_digest([{"type": "text", "text": "Snow on the oak"}])


def test_it_digests_a_reply_without_text_or_tool_calls_as_the_empty_string():
    assert reply_digest([{"type": "thinking", "thinking": "Hmm", "signature": "sig"}]) == sha256("")


# trace


def test_it_calls_a_request_new_when_nothing_is_stored():
    assert trace([], None, STORED) == Lineage("new", first_new=0)


def test_it_calls_a_request_new_when_nothing_is_stored_even_with_a_stored_reply():
    assert trace([], STORED_REPLY, STORED) == Lineage("new", first_new=0)


def test_it_continues_when_the_client_sends_the_history_the_echoed_reply_and_one_new_message():
    messages = [*STORED, assistant(REPLY), user("And a third")]

    assert trace(STORED_HASHES, STORED_REPLY, messages) == Lineage("continuation", first_new=4)


def test_it_continues_when_the_new_message_is_a_tool_result_plus_text():
    messages = [*STORED, assistant(REPLY), tool_result_then_text("toolu_1", "file contents", "Use this")]

    assert trace(STORED_HASHES, STORED_REPLY, messages, waiting_on=["toolu_1"]) == Lineage("continuation", first_new=4)


def test_it_continues_from_the_same_index_when_several_user_messages_follow_the_echo():
    messages = [*STORED, assistant(REPLY), user("And a third"), user("And a fourth")]

    assert trace(STORED_HASHES, STORED_REPLY, messages) == Lineage("continuation", first_new=4)


def test_it_starts_fresh_when_an_assistant_turn_follows_the_echo():
    messages = [*STORED, assistant(REPLY), user("And a third"), assistant("Sure: ..."), user("And a fourth")]

    assert trace(STORED_HASHES, STORED_REPLY, messages) == Lineage("elsewhere", answered_elsewhere_from=4)


def test_it_continues_when_the_echoed_reply_differs_only_in_surrounding_whitespace():
    messages = [*STORED, assistant(f"  {REPLY}\n"), user("And a third")]

    assert trace(STORED_HASHES, STORED_REPLY, messages) == Lineage("continuation", first_new=4)


def test_it_continues_when_the_echoed_reply_drops_the_thinking_block():
    stored_reply = reply_digest([{"type": "thinking", "thinking": "Hmm", "signature": "sig"}, {"type": "text", "text": REPLY}])
    messages = [*STORED, assistant(REPLY), user("And a third")]

    assert trace(STORED_HASHES, stored_reply, messages) == Lineage("continuation", first_new=4)


def test_it_continues_when_the_client_adds_cache_control_to_old_messages():
    marked = [
        {"role": message["role"], "content": [{**block, "cache_control": {"type": "ephemeral"}} for block in message["content"]]}
        for message in STORED
    ]
    messages = [*marked, assistant(REPLY), user("And a third")]

    assert trace(STORED_HASHES, STORED_REPLY, messages) == Lineage("continuation", first_new=4)


def test_it_continues_a_one_message_history():
    stored = [user("Write a haiku")]
    messages = [*stored, assistant(REPLY), user("Another one")]

    assert trace(hashes(stored), STORED_REPLY, messages) == Lineage("continuation", first_new=2)


def test_it_calls_the_same_messages_again_a_retry():
    assert trace(STORED_HASHES, STORED_REPLY, list(STORED)) == Lineage("retry", first_new=0)


def test_it_calls_an_edit_when_the_echoed_reply_text_differs():
    messages = [*STORED, assistant("Snow on the oak"), user("And a third")]

    assert trace(STORED_HASHES, STORED_REPLY, messages) == Lineage("edit", first_new=0)


def test_it_calls_an_edit_when_the_echo_matches_but_nothing_follows_it():
    messages = [*STORED, assistant(REPLY)]

    assert trace(STORED_HASHES, STORED_REPLY, messages) == Lineage("edit", first_new=0)


def test_it_calls_an_edit_when_the_message_after_the_history_is_a_user_message():
    messages = [*STORED, user(REPLY), user("And a third")]

    assert trace(STORED_HASHES, STORED_REPLY, messages) == Lineage("edit", first_new=0)


def test_it_calls_an_edit_when_no_reply_is_stored():
    messages = [*STORED, assistant(REPLY), user("And a third")]

    assert trace(STORED_HASHES, None, messages) == Lineage("edit", first_new=0)


def test_it_calls_a_changed_first_message_a_compaction():
    messages = [user("Summary of the conversation so far: two haiku."), assistant("Ok."), user("Another one")]

    assert trace(STORED_HASHES, STORED_REPLY, messages) == Lineage("compaction", first_new=0)


def test_it_calls_a_shorter_changed_history_a_compaction_when_the_first_message_differs():
    messages = [user("Summary of the conversation so far.")]

    assert trace(STORED_HASHES, STORED_REPLY, messages) == Lineage("compaction", first_new=0)


def test_it_calls_a_history_cut_shorter_after_a_matching_prefix_an_undo():
    assert trace(STORED_HASHES, STORED_REPLY, STORED[:1]) == Lineage("undo", first_new=0)


def test_it_calls_a_history_cut_by_the_last_message_an_undo():
    assert trace(STORED_HASHES, STORED_REPLY, STORED[:2]) == Lineage("undo", first_new=0)


def test_it_calls_a_replaced_last_user_message_of_the_same_length_an_undo():
    messages = [*STORED[:2], user("A limerick instead")]

    assert trace(STORED_HASHES, STORED_REPLY, messages) == Lineage("undo", first_new=0)


def test_it_calls_a_changed_middle_message_with_more_messages_after_an_edit():
    messages = [STORED[0], assistant("Leaves fell..."), STORED[2], assistant(REPLY), user("And a third")]

    assert trace(STORED_HASHES, STORED_REPLY, messages) == Lineage("edit", first_new=0)


def test_it_calls_a_replaced_last_user_message_followed_by_more_an_edit():
    messages = [*STORED[:2], user("A limerick instead"), assistant(REPLY), user("And a third")]

    assert trace(STORED_HASHES, STORED_REPLY, messages) == Lineage("edit", first_new=0)


# Lineage


@pytest.mark.parametrize(
    ("kind", "resumes"),
    [("new", False), ("continuation", True), ("retry", False), ("undo", False), ("edit", False), ("compaction", False)],
)
def test_it_resumes_the_session_only_for_a_continuation(kind, resumes):
    assert Lineage(kind).resumes is resumes


def test_it_starts_a_lineage_with_first_new_zero():
    assert Lineage("edit").first_new == 0


# One request of each kind, as the tests above trace them.
ONE_OF_EACH = [
    ([], None, STORED),
    (STORED_HASHES, STORED_REPLY, [*STORED, assistant(REPLY), user("And a third")]),
    (STORED_HASHES, STORED_REPLY, list(STORED)),
    (STORED_HASHES, STORED_REPLY, STORED[:1]),
    (STORED_HASHES, STORED_REPLY, [*STORED, assistant("Snow on the oak"), user("And a third")]),
    (STORED_HASHES, STORED_REPLY, [user("Summary of the conversation so far.")]),
    (STORED_HASHES, STORED_REPLY, [*STORED, assistant(REPLY), user("U4"), assistant("elsewhere"), user("U5")]),
]


def test_it_labels_exactly_the_kinds_trace_returns():
    """The admin filters conversations by these labels: none may name a kind that never
    happens, and every kind trace returns needs one."""
    kinds = {trace(*case).kind for case in ONE_OF_EACH}

    assert kinds == {kind for kind, _ in LINEAGE_KINDS}


@pytest.mark.parametrize("case", ONE_OF_EACH)
def test_it_stores_each_kind_trace_returns_as_a_valid_labelled_choice(case):
    """What record_turn writes to Conversation.last_lineage passes the field's validation
    (its choices and length), and the admin shows a label a person reads, not the code."""
    kind = trace(*case).kind
    field = Conversation._meta.get_field("last_lineage")

    field.clean(kind, Conversation())  # raises ValidationError for a kind the field refuses
    assert Conversation(last_lineage=kind).get_last_lineage_display() not in ("", kind)
