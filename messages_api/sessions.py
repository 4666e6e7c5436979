"""The conversation a request continues: found or started, held for one turn, classified.

One turn at a time per conversation: a second request for it waits for the first to
finish, and only then compares its history with what the conversation holds.
"""

import asyncio
from dataclasses import dataclass

from django.conf import settings

from sessions_admin import lineage as lineage_rules
from sessions_admin.services import find_or_start_conversation, record_failed_turn, record_turn

_locks = {}  # conversation key -> [asyncio.Lock, holders and waiters]


class _ConversationLock:
    def __init__(self, key):
        self.key = key

    async def acquire(self):
        entry = _locks.setdefault(self.key, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            await entry[0].acquire()
        except BaseException:
            self._forget(entry)
            raise

    def release(self):
        entry = _locks[self.key]
        entry[0].release()
        self._forget(entry)

    def _forget(self, entry):
        entry[1] -= 1
        if entry[1] == 0:
            del _locks[self.key]


@dataclass
class Session:
    conversation: object
    lineage: object
    message_hashes: list  # of the request's messages: what the conversation holds after the turn
    _lock: _ConversationLock
    _closed: bool = False

    @property
    def resume_id(self):
        """The Claude session to continue, or None for a fresh one."""
        return self.conversation.claude_session_id if self.lineage.resumes else None

    def start_fresh(self):
        """Give up continuing (the CLI refused the resume): send the whole history."""
        self.lineage = lineage_rules.Lineage("new")

    def abandon(self):
        """Let go of the conversation without a turn (nothing reached the CLI)."""
        if not self._closed:
            self._closed = True
            self._lock.release()

    async def close(self, *, ok, claude_session_id="", model="", reply=None):
        if self._closed:
            return
        self._closed = True
        try:
            if ok:
                await record_turn(
                    self.conversation,
                    claude_session_id=claude_session_id,
                    model=model,
                    message_hashes=self.message_hashes,
                    reply_digest=lineage_rules.reply_digest(reply or []),
                    lineage=self.lineage.kind,
                )
            else:
                await record_failed_turn(self.conversation, lineage=self.lineage.kind)
        finally:
            self._lock.release()


async def open_session(headers, params):
    """Wait for the conversation to be free, then say how this request continues it."""
    messages = [message.model_dump() for message in params.messages]
    hashes = [lineage_rules.message_hash(message) for message in messages]
    key = lineage_rules.conversation_key(headers, messages, params.system_text)
    lock = _ConversationLock(key)
    await lock.acquire()
    try:
        kind, value, scope = key
        conversation = await find_or_start_conversation(
            kind, value, scope, model=params.model, workdir=settings.CLAUDE_PROXY_WORKDIR
        )
        held = [] if conversation.is_expired else conversation.message_hashes
        lineage = lineage_rules.classify(held, conversation.reply_digest, messages, hashes)
    except BaseException:
        lock.release()
        raise
    return Session(conversation, lineage, hashes, lock)
