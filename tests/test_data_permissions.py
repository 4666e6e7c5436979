"""The data dir (0700) and the database files (0600) are the owner's alone, whatever the umask."""

import os
import stat
from contextlib import contextmanager

import httpx

DATABASE_FILES = ("db.sqlite3", "db.sqlite3-wal", "db.sqlite3-shm")


@contextmanager
def umask(mask):
    """The test process's umask, which the server's subprocess inherits."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def start_under_umask_022(start_proxy, data_dir):
    with umask(0o022):
        server = start_proxy(CLAUDE_PROXY_DATA_DIR=str(data_dir))
    # A request the server writes to its request log.
    assert httpx.get(f"{server.url}/v1/messages", timeout=30).status_code == 405
    return server


def test_it_creates_a_private_data_dir_and_database_under_umask_022(start_proxy, tmp_path):
    data_dir = tmp_path / "data"

    start_under_umask_022(start_proxy, data_dir)

    # While the server runs, so the -wal and -shm files exist.
    assert mode(data_dir) == 0o700
    assert {name: mode(data_dir / name) for name in DATABASE_FILES} == dict.fromkeys(DATABASE_FILES, 0o600)
    assert mode(data_dir / "secret_key") == 0o600


def test_it_tightens_an_existing_open_data_dir_and_database(start_proxy, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    os.chmod(data_dir, 0o755)
    for name in DATABASE_FILES:  # left by an older version: empty, world-readable
        (data_dir / name).touch()
        os.chmod(data_dir / name, 0o644)

    start_under_umask_022(start_proxy, data_dir)

    assert mode(data_dir) == 0o700
    assert {name: mode(data_dir / name) for name in DATABASE_FILES} == dict.fromkeys(DATABASE_FILES, 0o600)
