"""What PostgreSQL refuses that SQLite keeps: the NUL character in text.

PostgreSQL's text, and so jsonb's strings, cannot hold U+0000, and a client may send it in
any string: a message (which the transcript and the stored responses then hold), a
system prompt (the conversation's title), a path. Every string the proxy hands PostgreSQL
has it replaced with U+FFFD, in what it writes and in what it looks up alike, so a NUL
is one character changed instead of a request failed.
"""

import re

from psycopg import adapters
from psycopg.types.json import Jsonb, JsonbDumper
from psycopg.types.string import StrDumperUnknown

NUL, REPLACEMENT = "\x00", "\ufffd"
# A \u0000 escape in JSON text, not a literal "\\u0000" (a backslash escaped before it).
ESCAPED_NUL = re.compile(rb"(?<!\\)((?:\\\\)*)\\u0000")


class NulFreeStrDumper(StrDumperUnknown):
    def dump(self, obj):
        return super().dump(obj.replace(NUL, REPLACEMENT))


class NulFreeJsonbDumper(JsonbDumper):
    def dump(self, obj):
        data = super().dump(obj)
        return ESCAPED_NUL.sub(rb"\1\\ufffd", data) if b"\\u0000" in data else data


def register():
    """In psycopg's defaults, which Django copies when it opens its first connection.
    Text format only: Django binds parameters on the client, as text."""
    adapters.register_dumper(str, NulFreeStrDumper)
    adapters.register_dumper(Jsonb, NulFreeJsonbDumper)
