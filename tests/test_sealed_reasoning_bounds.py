"""A reasoning item's encrypted_content opens within bounds, off the event loop: a zip
bomb in it is a 400 naming the field, and the server's memory stays where it was."""

import base64
import zlib

import httpx
import psutil

from messages_api.wire.responses_reasoning import MAX_OPENED_BYTES, SEALED, sealed

BOMB_BYTES = 1024**3  # what it would open to: 1 GiB of one letter


def _bomb():
    packer, chunk = zlib.compressobj(9), b"a" * (1024 * 1024)
    packed = [packer.compress(b'{"type":"thinking","signature":"","thinking":"')]
    packed += [packer.compress(chunk) for _ in range(BOMB_BYTES // len(chunk))]
    packed.append(packer.compress(b'"}') + packer.flush())
    return SEALED + base64.urlsafe_b64encode(b"".join(packed)).decode()


def _input(content):
    return [
        {"role": "user", "content": "Think first."},
        {"type": "reasoning", "summary": [], "encrypted_content": content},
        {"role": "assistant", "content": "Thought."},
        {"role": "user", "content": "And now?"},
    ]


def _memory(proxy):
    return psutil.Process(proxy.process.pid).memory_info().rss


def test_it_refuses_a_zip_bomb_with_a_400_naming_the_field(proxy, upstream):
    bomb = _bomb()
    before = _memory(proxy)

    response = httpx.post(
        f"{proxy.url}/v1/responses", json={"model": "claude-sonnet-4-5", "input": _input(bomb)}, timeout=30
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["param"], error["code"], error["type"]) == ("input[1].encrypted_content", None, "invalid_request_error")
    assert f"more than {MAX_OPENED_BYTES} bytes" in error["message"]
    assert _memory(proxy) - before < 100 * 1024 * 1024
    assert httpx.get(f"{proxy.url}/livez", timeout=10).status_code == 200
    assert upstream.message_requests() == []


def test_it_refuses_many_blocks_past_the_requests_total(proxy, upstream):
    """Each under the block's bound, together past the request's."""
    thinking = {"type": "thinking", "thinking": "b" * (MAX_OPENED_BYTES - 100), "signature": ""}
    items = [{"role": "user", "content": "Think."}]
    for _ in range(9):
        items += [{"type": "reasoning", "summary": [], "encrypted_content": sealed(thinking)}, {"role": "assistant", "content": "ok"}]
    items.append({"role": "user", "content": "Now?"})

    response = httpx.post(f"{proxy.url}/v1/responses", json={"model": "claude-sonnet-4-5", "input": items}, timeout=30)

    assert response.status_code == 400
    assert response.json()["error"]["param"].endswith(".encrypted_content")
    assert upstream.message_requests() == []
