"""The apps' imports go one way: the engine (messages_api) uses what persists
(sessions_admin), never the other way round; the admin reaches the engine through
sessions_admin.engine, which the engine's app plugs itself into."""

import ast
from pathlib import Path

from django.apps import apps

from messages_api.admin_port import Engine
from sessions_admin.engine import NoEngine, engine

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def test_it_imports_nothing_of_the_engine_from_sessions_admin():
    reaching = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / "sessions_admin").rglob("*.py")
        for module in imported_modules(path)
        if module and module.split(".")[0] == "messages_api"
    }
    assert reaching == set()


def test_it_plugs_the_engine_into_the_admin():
    assert isinstance(engine(), Engine)
    assert isinstance(type(apps.get_app_config("sessions_admin")).engine, NoEngine)


def test_it_knows_no_live_process_without_an_engine():
    idle = NoEngine()
    assert (idle.running(), idle.describe(), idle.stop_everywhere([("k", "s")])) == (set(), [], None)
