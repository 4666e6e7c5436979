"""What PostgreSQL costs a turn against SQLite, measured in one run against the fake upstream.

    .ci/with-postgresql .venv/bin/python bench/sqlite_vs_postgresql.py [samples]

Starts two proxies on one fake upstream, one on a new SQLite file and one on a new
database of the PostgreSQL server DATABASE_URL names (.ci/with-postgresql starts a
throwaway one), and prints for each the median time of a whole non-streaming answer:
a conversation's next turn on its live process (the conversation row and the log row
written, the transcript mirrored), its next turn by a cold resume (the transcript
read back from the database), and a new conversation; then what PostgreSQL adds to each,
as the median of the differences of samples taken back to back (one on each database, in
turn), which a busy machine disturbs least.
"""

import os
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ["CLAUDE_PROXY_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-data-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proxy_project.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.live_vs_cold import ask, timed  # noqa: E402
from tests.helpers import own_postgresql_database  # noqa: E402
from tests.proxy_server import ProxyServer, cli_test_env  # noqa: E402
from tests.upstream.server import FakeUpstream  # noqa: E402

REPLY = {"role": "assistant", "content": "Hello from the fake upstream."}


class Conversation:
    """One conversation of a proxy, timed a turn at a time."""

    def __init__(self, proxy, session):
        self.proxy, self.session = proxy, session
        self.messages = [{"role": "user", "content": "Turn 1"}]
        ask(proxy, self.messages, session)

    def next_turn(self):
        self.messages += [REPLY, {"role": "user", "content": f"Turn {len(self.messages) // 2 + 1}"}]
        return timed(lambda: ask(self.proxy, self.messages, self.session))


class NewConversations:
    """A proxy's new conversations, timed one at a time."""

    def __init__(self, proxy, name):
        self.proxy, self.name, self.count = proxy, name, 0

    def next_turn(self):
        self.count += 1
        return timed(lambda: ask(self.proxy, [{"role": "user", "content": f"New {self.count}"}], f"{self.name}-{self.count}"))


def measure(proxies, samples):
    """{kind: {database: [seconds]}}: each sample of a kind taken on every database in turn."""
    askers = {
        "next turn, live process": {db: Conversation(live, f"bench-live-{db}") for db, (live, _) in proxies.items()},
        "next turn, cold resume": {db: Conversation(cold, f"bench-cold-{db}") for db, (_, cold) in proxies.items()},
        "new conversation": {db: NewConversations(live, f"bench-new-{db}") for db, (live, _) in proxies.items()},
    }
    times = {kind: {db: [] for db in proxies} for kind in askers}
    for _ in range(samples):
        for kind, by_database in askers.items():
            for db, asker in by_database.items():
                times[kind][db].append(asker.next_turn())
    return times


def main(samples):
    if connection.vendor != "postgresql":
        sys.exit("DATABASE_URL must name a PostgreSQL server: .ci/with-postgresql .venv/bin/python bench/sqlite_vs_postgresql.py")
    upstream = FakeUpstream().start()
    home = Path(tempfile.mkdtemp(prefix="bench-home-"))
    env = cli_test_env(upstream.url, home)
    data = Path(os.environ["CLAUDE_PROXY_DATA_DIR"])
    started = []

    def proxy(**settings):
        started.append(ProxyServer({**env, **settings}, data).start())
        return started[-1]

    with own_postgresql_database() as postgresql:
        try:
            proxies = {
                database: (proxy(DATABASE_URL=url), proxy(DATABASE_URL=url, CLAUDE_PROXY_MAX_LIVE="0"))
                for database, url in (("SQLite", f"sqlite:///{data / 'db.sqlite3'}"), ("PostgreSQL", postgresql))
            }
            times = measure(proxies, samples)
        finally:  # before the database is dropped
            for server in started:
                server.stop()
    upstream.stop()

    print(f"median of {samples}, whole non-streaming answers, fake upstream without delay")
    for kind, by_database in times.items():
        sqlite, postgresql = by_database["SQLite"], by_database["PostgreSQL"]
        # Each pair was taken back to back: their difference is what the machine's load changes least.
        paired = statistics.median(b - a for a, b in zip(sqlite, postgresql)) * 1000
        print(
            f"  {kind:24} SQLite {statistics.median(sqlite) * 1000:6.0f} ms   "
            f"PostgreSQL {statistics.median(postgresql) * 1000:6.0f} ms   (paired: {paired:+5.1f} ms)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 21)
