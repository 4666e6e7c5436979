"""count_input_tokens: the estimate count_tokens answers with, case by case."""

import base64
import json
import statistics
import struct
from pathlib import Path

import pytest

from messages_api.schemas import MessagesRequest
from messages_api.token_count import count_input_tokens, image_size, image_tokens


def count(**fields):
    """The estimate for a request, validated and dumped as the view does."""
    body = {"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "Hello"}], **fields}
    return count_input_tokens(MessagesRequest.model_validate(body).model_dump(mode="json", exclude_none=True))


def user(*blocks):
    return [{"role": "user", "content": list(blocks)}]


def png(width, height):
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", width, height) + b"\x08\x02\x00\x00\x00"


def gif(width, height):
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00"


def jpeg(width, height):
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def webp_vp8x(width, height):
    chunk = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00"
    chunk += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def webp_vp8l(width, height):
    bits = (width - 1) | ((height - 1) << 14)
    chunk = b"VP8L" + struct.pack("<I", 5) + b"\x2f" + bits.to_bytes(4, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def webp_vp8(width, height):
    frame = b"\x00\x00\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height)
    chunk = b"VP8 " + struct.pack("<I", len(frame)) + frame
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def image(data, media_type="image/png"):
    source = {"type": "base64", "media_type": media_type, "data": base64.b64encode(data).decode()}
    return {"type": "image", "source": source}


def pdf(pages):
    body = b"%PDF-1.4\n1 0 obj << /Type /Pages /Count 2 >> endobj\n"
    body += b"".join(b"%d 0 obj << /Type /Page /Parent 1 0 R >> endobj\n" % (n + 2) for n in range(pages))
    source = {"type": "base64", "media_type": "application/pdf", "data": base64.b64encode(body).decode()}
    return {"type": "document", "source": source}


READ = {"name": "read", "description": "Read a file", "input_schema": {"type": "object"}}

# (request fields, expected tokens): each message adds 3 for its role markers, and the
# sum is rounded up once.
CASES = [
    pytest.param({}, 5, id="one-word"),  # 5/3.5 + 3 = 4.43
    pytest.param({"system": "You are terse."}, 9, id="system-text"),  # (14+5)/3.5 + 3 = 8.43
    pytest.param({"messages": user({"type": "text", "text": "a" * 350})}, 103, id="350-ascii-chars"),
    pytest.param({"messages": user({"type": "text", "text": "你好世界"})}, 7, id="cjk-a-token-a-character"),
    pytest.param({"messages": user({"type": "text", "text": "café"})}, 5, id="accented-latin"),  # 3/3.5 + 1 + 3
    pytest.param({"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Bye"}]}, 12, id="three-messages"),  # 10/3.5 + 9 = 11.86
    pytest.param({"messages": user(image(png(1000, 750)))}, 1003, id="png-by-its-pixels"),  # 1000*750/750
    pytest.param({"messages": user(image(png(200, 200)))}, 57, id="small-png"),  # 53.33 + 3
    pytest.param({"messages": user(image(png(4000, 3000)))}, 4787, id="large-png-capped"),  # 6635.8 scaled, capped at 4784
    pytest.param({"messages": user(image(png(5152, 400)))}, 690, id="long-strip-scaled-to-the-edge"),  # 2576*200/750 + 3 = 689.9
    pytest.param({"messages": user({"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}})}, 4787, id="url-image-at-the-cap"),
    pytest.param({"messages": user(image(b"\x89PNG\r\n\x1a\n"))}, 4787, id="png-without-its-size-at-the-cap"),
    pytest.param({"messages": user(pdf(2))}, 6203, id="pdf-by-its-pages"),  # 2 * 3100 + 3
    pytest.param({"messages": user({"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "b" * 70}})}, 23, id="text-document"),
    pytest.param({"messages": [{"role": "assistant", "content": [{"type": "thinking", "thinking": "x" * 700, "signature": "s"}]}]}, 3, id="thinking-is-not-counted"),
    pytest.param(
        {"messages": [{"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "read", "input": {"path": "a.py"}}]}]},
        9,  # ("read" + '{"path":"a.py"}') 19/3.5 + 3 = 8.43
        id="tool-use-name-and-input",
    ),
    pytest.param(
        {
            "messages": [
                {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "read", "input": {"path": "a.py"}}]},
                *user({"type": "tool_result", "tool_use_id": "toolu_1", "content": "x" * 35}),
            ]
        },
        22,  # the call as above (9), then its result: 35/3.5 + 3 = 13
        id="tool-result-content",
    ),
    # READ as compact JSON is 76 characters.
    pytest.param({"tools": [READ]}, 373, id="tool-with-the-auto-tool-prompt"),  # 346 + 76/3.5 + 5/3.5 + 3 = 372.14
    pytest.param({"tools": [READ], "tool_choice": {"type": "any"}}, 340, id="tool-choice-any-has-a-shorter-prompt"),  # 313 + 23.14 + 3
    pytest.param({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}]}, 10, id="system-role-message"),  # 14/3.5 + 6
]


@pytest.mark.parametrize(("fields", "expected"), CASES)
def test_it_estimates_the_input_tokens_of_a_request(fields, expected):
    assert count(**fields) == expected


@pytest.mark.parametrize(
    ("data", "size"),
    [
        pytest.param(png(1000, 750), (1000, 750), id="png"),
        pytest.param(gif(320, 200), (320, 200), id="gif"),
        pytest.param(jpeg(1920, 1080), (1920, 1080), id="jpeg"),
        pytest.param(webp_vp8x(3000, 2000), (3000, 2000), id="webp-extended"),
        pytest.param(webp_vp8l(640, 480), (640, 480), id="webp-lossless"),
        pytest.param(webp_vp8(800, 600), (800, 600), id="webp-lossy"),
        pytest.param(b"\xff\xd8\xff", None, id="truncated-jpeg"),
        pytest.param(b"BM....", None, id="bmp-unknown"),
    ],
)
def test_it_reads_an_image_size_from_its_header(data, size):
    assert image_size(data) == size


def test_it_scales_an_image_to_the_longest_edge_before_the_formula():
    assert image_tokens(2576, 100) == pytest.approx(2576 * 100 / 750)
    assert image_tokens(5152, 200) == pytest.approx(2576 * 100 / 750)
    assert image_tokens(10_000, 10_000) == 4784


def test_it_stays_near_what_the_real_api_counted():
    """35 request bodies from public notebooks and recorded test traffic, with the
    input_tokens the real API reported (bench/token_counts.py prints each one)."""
    pairs = json.loads((Path(__file__).parent / "fixtures" / "real_token_counts.json").read_text())
    errors = sorted(abs(count(model=p["model"], **p["body"]) / p["reported_input_tokens"] - 1) for p in pairs)

    assert len(errors) == 35
    assert statistics.median(errors) < 0.30
    assert errors[-1] < 0.60
