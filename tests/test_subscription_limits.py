"""The subscription's windows through the real CLI on a subscription login: the fake
upstream sends the `anthropic-ratelimit-unified-*` headers, the CLI reports them, the
proxy keeps them, hands them on to clients and refuses at once while a window is spent."""

import time

import httpx
import openai
import pytest

from tests.helpers import logged, message_body
from tests.subscription import EMAIL, LOGIN, refusal, unified
from tests.upstream import replies

def post(proxy, body, session, path="/v1/messages"):
    return httpx.post(f"{proxy.url}{path}", json=body, headers={"x-session-id": session}, timeout=60)


def test_it_keeps_the_windows_and_hands_them_on(subscribed, upstream, windows):
    upstream.headers = sent = unified(five_hour=0.42, seven_day=0.18)

    response = post(subscribed, message_body(stream=False), "limits-headers")

    assert response.status_code == 200
    five_hour, seven_day = windows.get(window="five_hour"), windows.get(window="seven_day")
    assert (five_hour.status, five_hour.utilization, five_hour.resets_at.timestamp()) == (
        "allowed", 0.42, int(sent["anthropic-ratelimit-unified-5h-reset"])
    )  # fmt: skip
    assert (seven_day.utilization, int(seven_day.resets_at.timestamp())) == (
        0.18, int(sent["anthropic-ratelimit-unified-7d-reset"])
    )  # fmt: skip
    for name in ("status", "5h-utilization", "5h-reset", "5h-status", "7d-utilization", "7d-reset", "7d-status"):
        assert response.headers[f"anthropic-ratelimit-unified-{name}"] == sent[f"anthropic-ratelimit-unified-{name}"]
    assert response.headers["anthropic-ratelimit-unified-representative-claim"] == "five_hour"
    row = logged(response.headers["x-request-id"])
    assert (row.usage_window, row.usage_status) == ("five_hour", "allowed")

    # A stream's headers go out before its answer: they are the state known then.
    streamed = post(subscribed, message_body("And now?"), "limits-headers")
    assert streamed.status_code == 200
    assert streamed.headers["anthropic-ratelimit-unified-5h-utilization"] == "0.42"

    usage = httpx.get(f"{subscribed.url}/v1/usage", timeout=10).json()
    assert (usage["login"], usage["email"]) == (LOGIN, EMAIL)
    assert [login["login"] for login in usage["logins"]] == [LOGIN]
    by_window = {window["window"]: window for window in usage["windows"]}
    assert by_window["five_hour"]["utilization"] == 0.42
    assert by_window["five_hour"]["status"] == "allowed"
    assert by_window["five_hour"]["resets_at"] == five_hour.resets_at.isoformat()
    assert 3500 < by_window["five_hour"]["resets_in_seconds"] <= 3600


def test_it_gives_codex_its_windows(subscribed, upstream, windows):
    upstream.headers = sent = unified(five_hour=0.25, seven_day=0.5)
    client = openai.OpenAI(base_url=f"{subscribed.url}/v1", api_key="dummy", max_retries=0)

    first = client.responses.with_raw_response.create(model="claude-sonnet-4-5", input="Hi")
    assert first.status_code == 200
    second = client.chat.completions.with_raw_response.create(
        model="claude-sonnet-4-5", messages=[{"role": "user", "content": "Hi again"}], stream=True
    )

    for response in (first, second):
        assert response.headers["x-codex-primary-used-percent"] == "25"
        assert response.headers["x-codex-primary-window-minutes"] == "300"
        assert response.headers["x-codex-primary-reset-at"] == sent["anthropic-ratelimit-unified-5h-reset"]
        assert response.headers["x-codex-secondary-used-percent"] == "50"
        assert response.headers["x-codex-secondary-window-minutes"] == "10080"
        assert response.headers["x-codex-secondary-reset-at"] == sent["anthropic-ratelimit-unified-7d-reset"]
    assert "Hi again" in [text for _, text in upstream.message_requests()[-1].history()][-1]


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_it_refuses_a_spent_window_at_once_until_it_resets(subscribed, upstream, windows, stream):
    reset_in = 4
    refused = unified(status="rejected", five_hour=1.0, reset_in=reset_in)
    upstream.headers = unified(five_hour=0.05)
    upstream.enqueue(refusal(**refused))

    response = post(subscribed, message_body(stream=stream), f"limits-refused-{stream}")

    assert response.status_code == 429
    error = response.json()["error"]
    assert error["type"] == "rate_limit_error"
    assert "5-hour limit" in error["message"]  # the CLI's own words: "You've hit your 5-hour limit · resets …"
    assert 1 <= int(response.headers["retry-after"]) <= reset_in
    assert windows.get(window="five_hour").status == "rejected"
    row = logged(response.headers["x-request-id"])
    assert (row.status, row.usage_window, row.usage_status) == (429, "five_hour", "rejected")
    calls, clis = len(upstream.message_requests()), len(subscribed.clis())

    # Before the reset: refused by the proxy itself, no CLI asked.
    again = post(subscribed, message_body(stream=stream), f"limits-refused-again-{stream}")

    assert again.status_code == 429
    assert again.json()["error"]["type"] == "rate_limit_error"
    assert "5-hour limit" in again.json()["error"]["message"]
    assert 1 <= int(again.headers["retry-after"]) <= reset_in
    fast = logged(again.headers["x-request-id"])
    assert (fast.status, fast.usage_window, fast.usage_status) == (429, "five_hour", "rejected")
    assert len(upstream.message_requests()) == calls
    assert len(subscribed.clis()) <= clis

    # After it: answered again, under the upstream's new state.
    time.sleep(max(0.0, int(refused["anthropic-ratelimit-unified-5h-reset"]) + 0.5 - time.time()))
    answered = post(subscribed, message_body(stream=stream), f"limits-refused-after-{stream}")

    assert answered.status_code == 200
    assert len(upstream.message_requests()) == calls + 1
    assert windows.get(window="five_hour").status == "allowed"


def test_it_refuses_openai_clients_at_once_too(subscribed, upstream, windows):
    upstream.enqueue(refusal(**unified(status="rejected", five_hour=1.0, reset_in=600)))
    client = openai.OpenAI(base_url=f"{subscribed.url}/v1", api_key="dummy", max_retries=0)

    with pytest.raises(openai.RateLimitError) as refused:
        client.chat.completions.create(model="claude-sonnet-4-5", messages=[{"role": "user", "content": "Hi"}])
    calls = len(upstream.message_requests())
    with pytest.raises(openai.RateLimitError) as at_once:
        client.responses.create(model="claude-sonnet-4-5", input="Hi", stream=True)

    for caught in (refused, at_once):
        assert caught.value.status_code == 429
        assert (caught.value.body["type"], caught.value.body["code"]) == ("requests", "rate_limit_exceeded")  # both OpenAI wires
        assert "5-hour limit" in caught.value.body["message"]
        assert 500 < int(caught.value.response.headers["retry-after"]) <= 600
    assert len(upstream.message_requests()) == calls


def test_it_shows_a_warning_and_goes_on(subscribed, upstream, windows):
    upstream.headers = unified(status="allowed_warning", five_hour=0.91)

    first = post(subscribed, message_body(stream=False), "limits-warning")
    second = post(subscribed, message_body("Go on", stream=False), "limits-warning")

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.headers["anthropic-ratelimit-unified-status"] == "allowed_warning"
    assert second.headers["anthropic-ratelimit-unified-5h-utilization"] == "0.91"
    assert windows.get(window="five_hour").status == "allowed_warning"
    assert logged(second.headers["x-request-id"]).usage_status == "allowed_warning"


def test_it_makes_a_refusal_only_extra_usage_could_serve_a_billing_error(subscribed, upstream, windows):
    upstream.enqueue(
        replies.Reply(
            status=429,
            error={
                "type": "error",
                "error": {
                    "type": "rate_limit_error",
                    "message": "Extra usage is required for long context requests.",
                    "details": {"error_code": "credits_required"},
                },
            },
            headers=unified(
                **{
                    "anthropic-ratelimit-unified-overage-status": "rejected",
                    "anthropic-ratelimit-unified-overage-disabled-reason": "out_of_credits",
                }
            ),
        )
    )

    response = post(subscribed, message_body(), "limits-credits")

    assert response.status_code == 402
    assert response.json()["error"]["type"] == "billing_error"
    assert "extra usage" in response.json()["error"]["message"]
    assert "out_of_credits" in response.json()["error"]["message"]
    extra = windows.get(window="overage")
    assert (extra.status, extra.disabled_reason) == ("rejected", "out_of_credits")


def test_it_sends_no_window_headers_on_an_api_key(proxy, upstream):
    upstream.headers = unified()

    response = post(proxy, message_body(stream=False), "limits-api-key")

    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("anthropic-ratelimit")]


def test_it_refuses_mid_conversation_in_the_clis_words_and_goes_on_after_the_reset(subscribed, upstream, windows):
    upstream.headers = unified(five_hour=0.5)
    history = [{"role": "user", "content": "First question"}]
    first = post(subscribed, {**message_body(stream=False), "messages": history}, "limits-mid")
    assert first.status_code == 200
    history += [{"role": "assistant", "content": first.json()["content"]}, {"role": "user", "content": "Second question"}]
    refused = unified(status="rejected", five_hour=1.0, reset_in=3)
    upstream.enqueue(refusal(**refused))

    second = post(subscribed, {**message_body(), "messages": history}, "limits-mid")

    assert second.status_code == 429
    assert second.json()["error"]["message"].startswith("You've hit your 5-hour limit")
    assert int(second.headers["retry-after"]) >= 1

    # The client asks again once the window has reset: the answer builds on turns 1 and 2,
    # with no trace of the refusal in what the model is sent.
    time.sleep(max(0.0, int(refused["anthropic-ratelimit-unified-5h-reset"]) + 0.5 - time.time()))
    upstream.enqueue(replies.text("Second answer."))
    third = post(subscribed, {**message_body(stream=False), "messages": history}, "limits-mid")

    assert third.status_code == 200
    assert third.json()["content"][0]["text"] == "Second answer."
    assert upstream.message_requests()[-1].history() == [
        ("user", "First question"),
        ("assistant", "Hello from the fake upstream."),
        ("user", "Second question"),
    ]
