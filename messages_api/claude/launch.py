"""Starting a CLI process for a request: its options, its tools, its transcript store.

A process is started with what cannot change in place (model, tools, limits, thinking):
`process_key` says what that is, and a kept process answers a turn only under the same
key; a warm spare also needs the same system prompt (`spare_key`).
"""

import hashlib

from sessions_admin.store import DjangoSessionStore

from . import client_tools, options
from .runner import ClaudeProcess


def process_key(params, login):
    """A process runs on one Claude login (sessions_admin.logins): its config dir is the
    CLI's from the start."""
    return (login, *options.process_key(params, client_tools.offered(params)))


def spare_key(params, login):
    """What a warm spare must have been started with to start this request's conversation."""
    return (process_key(params, login), hashlib.sha256(params.system_text.encode()).hexdigest())


def new_process(params, login, conversation_id=None, *, resume=None, resume_at=None, fork=False, warm_up=False):
    """A started CLI process for `params` on `login`, continuing the Claude session
    `resume` (up to its entry `resume_at`, in a new session if `fork`) or a new one."""
    tools = client_tools.ToolBridge(offered) if (offered := client_tools.offered(params)) else None
    built = options.build_options(
        params, login=login, tools=tools, resume=resume, resume_at=resume_at, fork=fork,
        session_store=DjangoSessionStore(),
    )  # fmt: skip
    return ClaudeProcess(built, conversation_id, tools=tools, warm_up=warm_up, key=process_key(params, login)).start()
