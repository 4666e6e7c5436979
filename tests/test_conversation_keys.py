"""conversation_key: which conversation a request belongs to, by header or by fingerprint."""

import re

from sessions_admin.lineage import conversation_key, fingerprint, scope
from tests.helpers import assistant, sha256, user

SYSTEM = "You are OpenCode, the best coding agent on the planet."
TITLE_SYSTEM = "You are a title generator. Output only a short title."




MESSAGES = [user("Fix the failing test in parser.py")]


def test_it_prefers_x_opencode_session_over_the_other_headers():
    headers = {"x-opencode-session": "ses_open", "x-session-affinity": "aff", "x-session-id": "sid"}

    assert conversation_key(headers, MESSAGES, SYSTEM) == ("header", "ses_open", scope(SYSTEM))


def test_it_prefers_x_session_affinity_over_x_session_id():
    headers = {"x-session-affinity": "aff", "x-session-id": "sid"}

    assert conversation_key(headers, MESSAGES, SYSTEM) == ("header", "aff", scope(SYSTEM))


def test_it_uses_x_session_id_when_it_is_the_only_session_header():
    assert conversation_key({"x-session-id": "sid"}, MESSAGES, SYSTEM) == ("header", "sid", scope(SYSTEM))


def test_it_ignores_a_blank_header_and_falls_through_to_the_next_one():
    headers = {"x-opencode-session": "   ", "x-session-affinity": "", "x-session-id": "sid"}

    assert conversation_key(headers, MESSAGES, SYSTEM) == ("header", "sid", scope(SYSTEM))


def test_it_strips_whitespace_around_a_header_value():
    assert conversation_key({"x-session-id": "  sid  "}, MESSAGES, SYSTEM) == ("header", "sid", scope(SYSTEM))


def test_it_cuts_a_header_value_to_255_characters():
    assert conversation_key({"x-session-id": "s" * 300}, MESSAGES, SYSTEM) == ("header", "s" * 255, scope(SYSTEM))


def test_it_ignores_headers_that_do_not_name_a_session():
    headers = {"user-agent": "opencode/1.0", "x-request-id": "req_1"}

    assert conversation_key(headers, MESSAGES, SYSTEM) == ("fingerprint", fingerprint(MESSAGES, SYSTEM), scope(SYSTEM))


def test_it_falls_back_to_a_fingerprint_without_headers():
    kind, key, key_scope = conversation_key({}, MESSAGES, SYSTEM)

    assert kind == "fingerprint"
    assert key == sha256(f"{SYSTEM}\0Fix the failing test in parser.py")[:32]
    assert key_scope == sha256(SYSTEM)[:16]


def test_it_falls_back_to_a_fingerprint_when_every_session_header_is_blank():
    headers = {"x-opencode-session": "", "x-session-affinity": " ", "x-session-id": "\t"}

    assert conversation_key(headers, MESSAGES, SYSTEM)[0] == "fingerprint"


def test_it_makes_a_fingerprint_of_32_hex_characters_and_a_scope_of_16():
    _, key, key_scope = conversation_key({}, MESSAGES, SYSTEM)

    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert re.fullmatch(r"[0-9a-f]{16}", key_scope)


def test_it_gives_the_same_first_message_under_another_system_prompt_a_different_fingerprint_and_scope():
    _, main_key, main_scope = conversation_key({}, MESSAGES, SYSTEM)
    _, title_key, title_scope = conversation_key({}, MESSAGES, TITLE_SYSTEM)

    assert main_key != title_key
    assert main_scope != title_scope


def test_it_keeps_the_fingerprint_when_later_messages_differ():
    first_turn = [user("Fix the failing test in parser.py")]
    later_turn = [user("Fix the failing test in parser.py"), assistant("Done."), user("Now run the linter")]

    assert conversation_key({}, first_turn, SYSTEM) == conversation_key({}, later_turn, SYSTEM)


def test_it_fingerprints_the_first_user_message_even_when_an_assistant_message_comes_first():
    messages = [assistant("Hello, how can I help?"), user("Fix the failing test in parser.py")]

    assert conversation_key({}, messages, SYSTEM) == conversation_key({}, MESSAGES, SYSTEM)


def test_it_counts_only_the_first_2000_characters_of_the_first_user_message():
    opening = "x" * 2000

    one = conversation_key({}, [user(opening + "A tail")], SYSTEM)
    other = conversation_key({}, [user(opening + "B different tail")], SYSTEM)

    assert one == other
    assert one[1] == sha256(f"{SYSTEM}\0{opening}")[:32]


def test_it_tells_apart_first_messages_that_differ_before_character_2000():
    one = conversation_key({}, [user("x" * 1999 + "A" + "y" * 100)], SYSTEM)
    other = conversation_key({}, [user("x" * 1999 + "B" + "y" * 100)], SYSTEM)

    assert one[1] != other[1]


def test_it_keys_a_headed_request_by_header_value_and_system_scope():
    headers = {"x-opencode-session": "ses_abc"}

    assert conversation_key(headers, MESSAGES, SYSTEM) == ("header", "ses_abc", sha256(SYSTEM)[:16])


def test_it_gives_the_opencode_title_request_the_same_header_but_a_different_scope():
    headers = {"x-opencode-session": "ses_abc"}

    main = conversation_key(headers, MESSAGES, SYSTEM)
    title = conversation_key(headers, MESSAGES, TITLE_SYSTEM)

    assert main == ("header", "ses_abc", sha256(SYSTEM)[:16])
    assert title == ("header", "ses_abc", sha256(TITLE_SYSTEM)[:16])
    assert main[2] != title[2]


def test_it_scopes_by_the_first_16_hex_characters_of_the_system_prompt_hash():
    assert scope("") == "e3b0c44298fc1c14"
    assert scope(SYSTEM) == sha256(SYSTEM)[:16]


def test_it_scopes_the_same_header_and_opening_by_api_key():
    alice = conversation_key({"x-session-id": "sid"}, MESSAGES, SYSTEM, api_key="alice-laptop")
    bob = conversation_key({"x-session-id": "sid"}, MESSAGES, SYSTEM, api_key="bob-laptop")
    alice_again = conversation_key({"x-session-id": "sid"}, MESSAGES, SYSTEM, api_key="alice-laptop")

    assert alice[:2] == bob[:2] == ("header", "sid")
    assert alice[2] != bob[2]
    assert alice == alice_again
    assert alice[2] == sha256(f"alice-laptop\0{SYSTEM}")[:16]
    # Without a key, the scope of every row written before keys existed.
    assert conversation_key({"x-session-id": "sid"}, MESSAGES, SYSTEM)[2] == sha256(SYSTEM)[:16]
    assert conversation_key({}, MESSAGES, SYSTEM, api_key="alice-laptop")[2] == alice[2]
