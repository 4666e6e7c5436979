"""How long the dashboard's 24 h numbers take over 100k request-log rows, on SQLite and
on PostgreSQL.

    .ci/with-postgresql .venv/bin/python bench/dashboard.py [rows]

Fills a new database with `rows` request logs (100k by default) twice: spread over the
last 7 days, then all in the last 24 h (the worst case), and prints the median time of
sessions_admin.dashboard.summary("24h") with the `requestlog_hourly` and
`requestlog_hourly_ttfb` indexes and without them (and, for scale, of the 7-day summary
with them). On a new SQLite file, then, when DATABASE_URL names a PostgreSQL server (as
.ci/with-postgresql does), on a new database there, dropped after: each in a process of
its own, as the settings are read once. The target is under 200 ms.
"""

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ["CLAUDE_PROXY_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-dashboard-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "proxy_project.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from sessions_admin import dashboard  # noqa: E402
from sessions_admin.models import RequestLog  # noqa: E402
from tests.helpers import own_postgresql_database  # noqa: E402

MODELS = ("claude-sonnet-4-5", "claude-opus-4-6", "claude-haiku-4-5", "claude-sonnet-5-5")
ERRORS = ("", "", "", "", "", "", "", "rate_limit_error", "overloaded_error", "invalid_request_error", "client_closed")
INDEXES = ("requestlog_hourly", "requestlog_hourly_ttfb", "requestlog_hourly_endpoint")
INDEX_SQL = {}


def fill(rows, span):
    RequestLog.objects.all().delete()
    chance, now = random.Random(1), timezone.now()
    batch = []
    for n in range(rows):
        error = chance.choice(ERRORS)
        batch.append(
            RequestLog(
                request_id=f"req_bench_{n}", method="POST", endpoint="/v1/messages", model=chance.choice(MODELS),
                status=429 if error else 200, error_type=error, ttfb_ms=chance.randint(40, 4000),
                duration_ms=chance.randint(500, 60000), input_tokens=chance.randint(10, 9000),
                output_tokens=chance.randint(5, 3000), cache_read_input_tokens=chance.randint(0, 50000),
                cache_creation_input_tokens=chance.randint(0, 5000), created=now - span * chance.random(),
            )  # fmt: skip
        )
        if len(batch) == 5000:
            RequestLog.objects.bulk_create(batch)
            batch = []
    RequestLog.objects.bulk_create(batch)
    analyze()


def analyze():
    # PostgreSQL's index-only scans want the visibility map VACUUM sets (autovacuum, on a server).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE sessions_admin_requestlog")


def median_ms(range_name="24h", runs=7):
    dashboard.summary(range_name)  # warm the page cache: the server's database is warm too
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        dashboard.summary(range_name)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def set_index(present):
    with connection.cursor() as cursor:
        for name in INDEXES:
            if name not in INDEX_SQL:
                if connection.vendor == "sqlite":
                    cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [name])
                else:
                    cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
                INDEX_SQL[name] = cursor.fetchone()[0]
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
            if present:
                cursor.execute(INDEX_SQL[name])
    analyze()


def measure(rows):
    for label, span in (("spread over 7 days", timedelta(days=7)), ("all in the last 24 h", timedelta(hours=24))):
        fill(rows, span)
        in_range = RequestLog.objects.filter(created__gte=timezone.now() - timedelta(hours=24)).count()
        set_index(True)
        with_index = median_ms()
        set_index(False)
        without = median_ms()
        set_index(True)
        week = median_ms("7d")
        print(
            f"  {label:22} ({in_range:6} in 24 h): {with_index:7.1f} ms with the indexes, {without:7.1f} ms without;"
            f" 7 days: {week:7.1f} ms",
            flush=True,
        )


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    if "--here" in sys.argv:  # a process of the run: on the database its settings name
        if connection.vendor == "postgresql":
            with own_postgresql_database():
                measure(rows)
        else:
            call_command("migrate", verbosity=0)
            measure(rows)
        return
    print(f"{rows} request logs; median of 7 runs of the dashboard's 24 h summary")
    sqlite = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
    runs = [("SQLite", sqlite)] + ([("PostgreSQL", os.environ)] if os.environ.get("DATABASE_URL") else [])
    for label, env in runs:
        print(label, flush=True)
        subprocess.run([sys.executable, __file__, str(rows), "--here"], env=env, check=True)


if __name__ == "__main__":
    main()
