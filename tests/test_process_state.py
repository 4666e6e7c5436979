"""What the server keeps at module level for as long as it runs: the two objects that
own it (server_state.server and the registry's runtimes), and the few a framework asks
for by name. A module that keeps a dict, list, set or object of its own at module
level, or rebinds a global, fails here: put the state on its owner instead."""

import ast
import importlib
import inspect
import logging
import re
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("messages_api", "sessions_admin", "proxy_project")
# Values that cannot change, or that say what code is rather than what happened.
UNCHANGING = (str, bytes, int, float, bool, type(None), tuple, frozenset, re.Pattern, logging.Logger, types.ModuleType, type)
KEPT = {
    "messages_api.server_state.server": "the server's state: CLI processes, slots, the live feed, the auth cache",
    "messages_api.claude.registry.runtimes": "the registry: every conversation's runtime, the spares, shutting down",
    "sessions_admin.store.write_ms": "the transcript store's write clock (the persistence app cannot reach server_state)",
    # What Django and Channels look up by name.
    "messages_api.urls.urlpatterns": "Django's URLconf",
    "proxy_project.urls.urlpatterns": "Django's URLconf",
    "messages_api.routing.websocket_urlpatterns": "Channels' URL router",
    "proxy_project.asgi.application": "the ASGI application daphne serves",
    "proxy_project.asgi.django_asgi_app": "the ASGI application daphne serves",
}


def modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts and path.name != "settings.py":
                yield ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"), path


def module_level_names(tree):
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    yield name.id


def test_it_keeps_module_level_state_only_on_its_owners():
    kept = set()
    for dotted, path in modules():
        module = importlib.import_module(dotted)
        for name in module_level_names(ast.parse(path.read_text())):
            value = getattr(module, name)
            # CONSTANTS and TypeAliases by their names; dunders are Python's.
            constant = name.lstrip("_")[:1].isupper() or name.startswith("__")
            if not constant and not isinstance(value, UNCHANGING) and not inspect.isroutine(value):
                kept.add(f"{dotted}.{name}")
    assert sorted(kept) == sorted(KEPT)


def test_it_rebinds_no_global():
    rebinding = {
        f"{dotted}: {', '.join(node.names)}"
        for dotted, path in modules()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Global)
    }
    assert rebinding == set()
