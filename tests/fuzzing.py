"""What the fuzz tests share: JSON of any shape, a proxy of their own, and how many
requests each ran. Sized by count, not by the clock: each request gets a generous bound
of its own (REQUEST_SECONDS), so a slower machine runs the same inputs, only slower."""

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.conftest import TEST_ROOT
from tests.proxy_server import ProxyServer
from tests.upstream import replies

EXAMPLES = 500
REQUEST_SECONDS = 2.0  # the slowest a fuzzed request may be, on average, on a loaded machine
# pytest-timeout for a whole fuzz run: its count times the bound of one request.
RUN_TIMEOUT = pytest.mark.timeout(60 + EXAMPLES * REQUEST_SECONDS)
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)

SCALARS = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | st.text(max_size=20)
JSON_VALUES = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12
)
RAW_BODIES = st.tuples(st.binary(max_size=60), st.sampled_from(["application/json", "text/plain", ""]))


def fuzzed_proxy_for(cli_env, upstream_server):
    """A proxy whose upstream answers every call alike (a fixture's body: yields it and
    a client)."""
    upstream_server.reset()
    upstream_server.default_reply = lambda: replies.text("fuzzed answer")
    server = ProxyServer({**cli_env, "CLAUDE_PROXY_MAX_LIVE": "2"}, TEST_ROOT / "data").start()
    client = httpx.Client(timeout=60)
    yield server, client
    client.close()
    server.stop()
    upstream_server.default_reply = upstream_server.DEFAULT_REPLY
