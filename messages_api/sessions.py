"""The conversation a request continues: found or started, held for one turn, classified.

One turn at a time per conversation: a second request for it waits for the first to
finish (the conversation's runtime lock), and only then compares its history with
what the conversation holds.
"""

from dataclasses import dataclass

from django.conf import settings

from sessions_admin import lineage as lineage_rules
from sessions_admin.services import find_or_start_conversation, record_failed_turn, record_turn

from .claude.runtime import runtimes
from .errors import invalid_request


@dataclass
class Session:
    conversation: object
    lineage: object
    message_hashes: list  # of the request's messages: what the conversation holds after the turn
    runtime: object  # claude.runtime.ConversationRuntime, held for this turn
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
            runtimes.release(self.runtime)

    @property
    def waiting_on(self):
        """Ids of the client's tool calls the conversation's Claude session waits on."""
        return [call["id"] for call in self.conversation.pending_tool_calls]

    async def close(self, *, ok, claude_session_id="", model="", reply=None, waiting_on=(), resume_at=""):
        """Write what the turn left: the history Claude holds now (or that it is
        unknown, after a failure), and the tool calls the conversation waits on."""
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
                    waiting_on=[block for block in reply or [] if block.get("id") in waiting_on],
                    resume_at=resume_at,
                )
            else:
                await record_failed_turn(self.conversation, lineage=self.lineage.kind)
        finally:
            runtimes.release(self.runtime)


def tool_results(waiting_on, new_messages, index):
    """The tool_result blocks that answer the tool calls (ids) a conversation waits on,
    or None if the new messages do not continue it (then the conversation starts
    over). A reply that leaves one of the calls unanswered is refused, as the API
    refuses it; `index` is the reply's place in the request's messages."""
    if not waiting_on or len(new_messages) != 1 or new_messages[0].role != "user":
        return None
    results = [block for block in new_messages[0].content if block.type == "tool_result"]
    if not results:
        return None
    answered = {block.tool_use_id for block in results}
    if missing := [tool_use_id for tool_use_id in waiting_on if tool_use_id not in answered]:
        raise invalid_request(
            f"messages.{index}.content: tool_use ids were found without tool_result blocks: {', '.join(missing)}"
        )
    return results


async def open_session(headers, params):
    """Wait for the conversation to be free, then say how this request continues it.

    The conversation's turn is taken before any database work, so requests keep their
    arrival order into the slot queue (`acquire_slot`, which the caller awaits next)."""
    messages = [message.model_dump() for message in params.messages]
    key = lineage_rules.conversation_key(headers, messages, params.system_text)
    runtime = await runtimes.hold(key)
    return OpenSession(key, messages, runtime)


@dataclass
class OpenSession:
    """A conversation's turn, held; `classify` reads its history once a slot is had."""

    key: tuple
    messages: list
    runtime: object

    async def classify(self, params):
        try:
            kind, value, scope = self.key
            conversation = self.runtime.conversation or await find_or_start_conversation(
                kind, value, scope, model=params.model, workdir=settings.CLAUDE_PROXY_WORKDIR,
                title=lineage_rules.first_user_text(self.messages),
            )
            self.runtime.conversation = conversation
            hashes = [lineage_rules.message_hash(message) for message in self.messages]
        except BaseException:
            runtimes.release(self.runtime)
            raise
        held = [] if conversation.is_expired else conversation.message_hashes
        lineage = lineage_rules.classify(held, conversation.reply_digest, self.messages, hashes)
        return Session(conversation, lineage, hashes, self.runtime)

    def abandon(self):
        runtimes.release(self.runtime)
