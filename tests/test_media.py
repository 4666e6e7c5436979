"""What a base64 image is: its format from its first bytes, and what the API refuses."""

import base64

import pytest

from messages_api.media import image_data_problem, image_type

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
GIF = b"GIF89a\x01\x00\x01\x00"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"


def b64(data):
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    "data, media_type",
    [(PNG, "image/png"), (GIF, "image/gif"), (b"GIF87a", "image/gif"), (WEBP, "image/webp"), (JPEG, "image/jpeg"),
     (b"GIF8", None), (b"RIFF\x00\x00\x00\x00WAVE", None), (b"\xff\xd8", None), (b"<html>", None), (b"", None)],
)  # fmt: skip
def test_it_tells_an_image_by_its_first_bytes(data, media_type):
    assert image_type(data) == media_type


@pytest.mark.parametrize(
    "media_type, data, problem",
    [
        ("image/png", b64(PNG), None),
        ("image/gif", b64(GIF), None),
        ("image/webp", b64(WEBP), None),
        ("image/jpeg", b64(JPEG), None),
        ("image/png", b64(PNG).rstrip("="), None),  # padding left off
        ("image/png", b64(PNG)[:8] + "\r\n" + b64(PNG)[8:], None),  # MIME line breaks
        ("image/png", "iVBO RW0K", "is not valid base64"),
        ("image/png", "@@@@", "is not valid base64"),
        ("image/png", b64(PNG)[:5], "is not valid base64"),
        ("image/png", b64(GIF), "the image is labelled image/png but its bytes are image/gif"),
        ("image/jpeg", b64(b"<html></html>"), "the image is labelled image/jpeg but its bytes are no image the API takes"),
        ("image/webp", "", "the image is labelled image/webp but its bytes are no image the API takes"),
    ],
    ids=["png", "gif", "webp", "jpeg", "unpadded", "line-breaks", "space", "not-the-alphabet", "cut-short", "gif-as-png", "html-as-jpeg", "empty"],
)
def test_it_refuses_what_the_api_refuses(media_type, data, problem):
    assert image_data_problem(media_type, data) == problem
