"""What a base64 image is, read from its bytes: the formats the API takes, and their
sizes. Every wire's image goes by these rules (schemas.ImageBlock), before any CLI starts."""

import binascii
import struct

# The API's image media types; its own 400 lists them in this order.
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
LINE_BREAKS = str.maketrans("", "", "\r\n")
HEAD = 4096


def image_type(data):
    """The media type the image bytes `data` are, by their first bytes, or None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    return None


def image_data_problem(media_type, data):
    """What is wrong with the base64 `data` of an image labelled `media_type` (one of
    IMAGE_TYPES), or None: as the API refuses them, data that is not base64, or bytes of
    another format than their label.

    Only the first HEAD characters are decoded: enough for the format, and it runs for
    every image of the history on every turn (a whole 5 MB image took ~50 ms). A flaw
    further in is the upstream's to refuse, and its 400 reaches the client as a 400."""
    head = data[:HEAD].translate(LINE_BREAKS)  # MIME base64 wraps its lines
    head = head[: len(head) - len(head) % 4] if len(data) > HEAD else head + "=" * (-len(head) % 4)
    try:
        decoded = binascii.a2b_base64(head, strict_mode=True)
    except (binascii.Error, ValueError):
        return "is not valid base64"
    found = image_type(decoded)
    if found != media_type:
        return f"the image is labelled {media_type} but its bytes are {found or 'no image the API takes'}"
    return None


def image_size(data):
    """(width, height) of PNG, GIF, WebP or JPEG bytes, or None."""
    kind = image_type(data)
    if kind == "image/png" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if kind == "image/gif" and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if kind == "image/webp":
        return _webp_size(data)
    if kind == "image/jpeg":
        return _jpeg_size(data)
    return None


def _webp_size(data):
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    return None


def _jpeg_size(data):
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        # Start-of-frame markers carry the size; C4, C8 and CC are other segments.
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None
