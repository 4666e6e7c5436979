"""A live CLI process that died while idle is never handed a turn: the conversation
resumes on a new one, and the client does not notice."""

import httpx

from tests.helpers import message_body
from tests.upstream import replies


def _ask(proxy, messages):
    body = message_body(stream=False)
    body["messages"] = messages
    return httpx.post(f"{proxy.url}/v1/messages", json=body, headers={"x-session-id": "dead-idle"}, timeout=60)


def test_it_resumes_on_a_new_process_when_the_idle_one_was_killed(start_proxy, upstream):
    proxy = start_proxy()
    upstream.enqueue(replies.text("Noted: ten."), replies.text("Ten."))
    question = {"role": "user", "content": "Remember: ten."}
    first = _ask(proxy, [question])
    [cli] = proxy.clis()

    cli.kill()
    cli.wait(timeout=10)
    second = _ask(proxy, [question, {"role": "assistant", "content": "Noted: ten."}, {"role": "user", "content": "Which number?"}])

    assert second.status_code == 200
    assert second.json()["content"] == [{"type": "text", "text": "Ten."}]
    assert second.headers["x-claude-session-id"] == first.headers["x-claude-session-id"]
    assert upstream.message_requests()[-1].history() == [
        ("user", "Remember: ten."),
        ("assistant", "Noted: ten."),
        ("user", "Which number?"),
    ]
