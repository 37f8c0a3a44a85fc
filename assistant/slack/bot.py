"""The bot's state over the workspace and the plain helpers the listeners use.

Slack wants every request acknowledged within 3 s, and an answer can take longer (the local model writes
for 5-20 s on a small machine), so each listener acks at once and answers in a lazy listener (a thread of
Bolt's executor). Answers are serialized by one lock: the local model is not re-entrant and the workspace's
SQLite connection is shared. One :class:`~assistant.chain.answer.Conversation` is kept per thread (per
direct-message channel), so "and the second one?" works. The model and the engines' indexes load once, in the
background from the start (:meth:`Bot.warm`); a question that comes before they are ready is told so in its
thread ("loading the model…") and answered when they are.

The listeners (``assistant.slack.listeners``) import this module, never :mod:`assistant.slack.app`, which
builds the Bolt app and registers them.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.app.workspace import NoPages, require_pages
from assistant.slack import blocks
from assistant.slack.safety import allowed, redact
from assistant.store.queries import live_html_urls
from assistant.urlguard import URLGuard

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from assistant.chain.answer import Conversation
    from assistant.chain.facts import Workspace
    from assistant.chain.warm import Warmup
    from assistant.services import Services
    from assistant.tools import Toolbox

log = logging.getLogger("assistant.slack")

AnswerFn = Callable[[str, str], dict[str, Any]]          # (conversation key, question) -> Answer.as_dict()
CONVERSATIONS = 256                                      # threads remembered for follow-ups (oldest dropped)
MAX_PENDING = 20                                         # questions waiting for the answer worker
SORRY = "Sorry, something went wrong while answering. The details are in the bot's log."
NO_PAGES = "The workspace holds no pages yet: run `assistant ingest SOURCE` first."
BUSY = "I'm busy with other questions right now: ask again in a minute."
LOADING = "Loading the model… (the first answer after the bot starts takes a little longer)"
LOADING_NO_LLM = "Loading the site's indexes… (the first answer after the bot starts takes a little longer)"
HELP = ("Ask about the site's links in plain words, e.g. `/links which pages should link to /blog/x/?`, "
        "`/links what should /blog/y/ link to?`, `/links any problems with my internal links?`, "
        "`/links how can I earn backlinks?`. `/links plan` posts the action plan as plan.md. "
        "You can also mention me in a channel or write to me directly; follow-ups go in the answer's thread.")
_PLAN = re.compile(r"(the |link |action |my )?plan[.!]?", re.I)
_USER_ID = re.compile(r"[UW][A-Z0-9]{1,30}")


def is_plan(question: str) -> bool:
    return bool(_PLAN.fullmatch(question.strip()))


class Bot:
    """What the listeners are handed: the workspace's services, the conversations, and the lock."""

    def __init__(self, services: Services, use_llm: bool = True, answer: AnswerFn | None = None,
                 api_url: str = "", secrets: tuple[str, ...] = ()) -> None:
        self.services = services
        self.settings = services.settings.slack
        self.use_llm = use_llm
        self.api_url = api_url
        self.secrets = secrets
        self.lock = threading.RLock()         # answers, the plan and the database: one at a time
        self._answer: AnswerFn = answer or self.ask
        self._workspace: Workspace | None = None
        self._guard: URLGuard | None = None
        self._talks: OrderedDict[str, Conversation] = OrderedDict()
        self._tools: Toolbox | None = None
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._state_lock = threading.Lock()
        # one worker answers, in order: the lazy listeners hand it their work and return, so Bolt's executor
        # (which also runs the acks) never fills up with threads waiting for the lock
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="assistant-slack-answer")
        self._pending = 0
        self._warmup: Warmup | None = None

    def warm(self) -> None:
        """Load the model and build the engines' indexes in the background (an empty workspace: nothing)."""
        from assistant.chain.warm import Warmup

        try:
            ws = self.workspace()
        except NoPages:
            return
        services = self.services
        self._warmup = Warmup(ws, (lambda: services.llm) if self.use_llm else None).start()

    def stop_warm(self) -> None:
        """Stop the warm-up after the build under way (before the workspace's services close)."""
        if self._warmup is not None:
            self._warmup.cancel()

    def wait_warm(self, notice: Callable[[str], object]) -> None:
        """Wait for the warm-up to end, calling ``notice(text)`` first when it is still under way."""
        if self._warmup is not None:
            self._warmup.wait(lambda: notice(LOADING if self.use_llm else LOADING_NO_LLM))

    def later(self, job: Callable[[], None]) -> bool:
        """Queue ``job`` for the answer worker; False (nothing queued) when too many questions wait."""
        with self._state_lock:
            if self._pending >= MAX_PENDING:
                return False
            self._pending += 1

        def run() -> None:
            try:
                job()
            except Exception:
                log.exception("a Slack job failed")
            finally:
                with self._state_lock:
                    self._pending -= 1

        self._worker.submit(run)
        return True

    def allows(self, channel: str, user: str, direct: bool = False) -> bool:
        return allowed(self.settings, channel, user, direct)

    def first_time(self, event_id: str | None) -> bool:
        """False for an event already handled (Slack retries an event it thinks was not acked)."""
        if not event_id:
            return True
        with self._state_lock:
            if event_id in self._seen:
                return False
            self._seen[event_id] = None
            if len(self._seen) > 4 * CONVERSATIONS:
                self._seen.popitem(last=False)
        return True

    def guard(self) -> URLGuard:
        """The URL guard over the site's hosts (the workspace's page URLs, read once)."""
        with self.lock:
            if self._guard is None:
                self._guard = URLGuard(live_html_urls(self.services.db))
            return self._guard

    def refusal(self, question: str) -> str | None:
        return self.guard().refusal(question)

    def workspace(self) -> Workspace:
        from assistant.chain.facts import Workspace

        with self.lock:
            if self._workspace is None:
                require_pages(self.services)
                self._workspace = Workspace(self.services)
            return self._workspace

    def tools(self) -> Toolbox | None:
        """The engines as tools for a model that calls them (``[llm] tools``; one toolbox for every thread, as
        `assistant ask` and the chat get through :func:`assistant.app.ask.conversation`)."""
        with self.lock:
            if self._tools is None:
                from assistant.tools import Toolbox

                self._tools = Toolbox.for_conversation(self.services, self.use_llm)
            return self._tools

    def conversation(self, key: str) -> Conversation:
        """The conversation of one thread (kept for follow-ups; the least recently used are dropped)."""
        from assistant.chain.answer import Conversation

        with self.lock:
            talk = self._talks.get(key)
            if talk is None:
                services = self.services
                talk = Conversation(self.workspace(), (lambda: services.llm) if self.use_llm else None,
                                    tools=self.tools())
                self._talks[key] = talk
                if len(self._talks) > CONVERSATIONS:
                    self._talks.popitem(last=False)
            self._talks.move_to_end(key)
            return talk

    def ask(self, key: str, question: str) -> dict[str, Any]:
        """The same answer as `assistant ask` (as its JSON), in the conversation ``key``."""
        with self.lock:
            return self.conversation(key).ask(question, use_llm=self.use_llm).as_dict()

    def answer_messages(self, key: str, question: str) -> list[blocks.Message]:
        """The messages answering ``question`` (already plain text) in conversation ``key``: a refusal for a
        URL the bot won't use, a short apology when answering fails (the details go to the log)."""
        if not question.strip():
            return blocks.text_messages(HELP)
        with self.lock:
            try:
                refused = self.refusal(question)
                if refused:
                    return blocks.text_messages(refused)
                return blocks.answer_messages(self._answer(key, question))
            except NoPages:
                return blocks.text_messages(NO_PAGES)
            except Exception:
                log.exception("answering a Slack question failed")
                return blocks.text_messages(SORRY)

    def plan_file(self, folder: Path) -> tuple[Path, str]:
        """Write the whole-site plan to ``folder/plan.md``; (its path, a one-line comment)."""
        from assistant.app.plan import write_plans

        with self.lock:
            self.workspace()                         # NoPages before any work
            path = folder / "plan.md"
            plan = write_plans(self.services, [path])
        comment = (f"The link plan for {blocks.escape(plan.site)}: the {len(plan.tasks)} most valuable of "
                   f"{plan.total} tasks.")
        return path, comment


# ------------------------------------------------------------------------------------ handlers over a client

def post(bot: Bot, client: WebClient, channel: str, thread_ts: str | None, messages: list[blocks.Message]) -> str:
    """Post ``messages`` in order (in the thread ``thread_ts`` when given); the first message's ts."""
    first = ""
    for message in messages:
        clean = json.loads(redact(json.dumps(message), bot.secrets))       # no secret ever leaves
        result = client.chat_postMessage(channel=channel, thread_ts=thread_ts, unfurl_links=False,
                                         unfurl_media=False, **clean)
        first = first or str(result.get("ts", ""))
    return first


def queue(bot: Bot, client: WebClient, channel: str, thread_ts: str, job: Callable[[], None]) -> None:
    """Hand ``job`` to the answer worker, or say in the thread that the bot is busy."""
    if not bot.later(job):
        post(bot, client, channel, thread_ts, blocks.text_messages(BUSY))


EventAnswer = Callable[["Bot", "WebClient", dict[str, Any], "str | None"], None]


def event_listener(bot: Bot, answer: EventAnswer) -> tuple[Callable[..., None], Callable[..., None]]:
    """The two halves of an event listener (Bolt fills their arguments by name): the ack, at once, and the
    lazy part, which queues ``answer(bot, client, event, event_id)`` for the answer worker."""
    def ack_event(ack: Callable[[], None]) -> None:
        ack()

    def answer_event(client: WebClient, event: dict[str, Any], body: dict[str, Any]) -> None:
        thread = str(event.get("thread_ts") or event.get("ts", ""))
        queue(bot, client, str(event.get("channel", "")), thread,
              lambda: answer(bot, client, event, body.get("event_id")))

    return ack_event, answer_event


def reply(bot: Bot, client: WebClient, channel: str, thread_ts: str, key: str, question: str) -> None:
    """Answer ``question`` in the thread: the plan as a file for "plan", else the answer's messages."""
    try:
        bot.wait_warm(lambda text: post(bot, client, channel, thread_ts, blocks.text_messages(text)))
        if is_plan(question):
            upload_plan(bot, client, channel, thread_ts)
        else:
            post(bot, client, channel, thread_ts, bot.answer_messages(key, question))
    except Exception:
        log.exception("replying in Slack channel %s failed", channel)


def upload_plan(bot: Bot, client: WebClient, channel: str, thread_ts: str) -> None:
    """Build the plan and upload plan.md to the thread."""
    with tempfile.TemporaryDirectory(prefix="assistant-slack-") as tmp:
        try:
            path, comment = bot.plan_file(Path(tmp))
        except NoPages:
            post(bot, client, channel, thread_ts, blocks.text_messages(NO_PAGES))
            return
        except Exception:
            log.exception("building the plan for Slack failed")
            post(bot, client, channel, thread_ts, blocks.text_messages(SORRY))
            return
        client.files_upload_v2(channel=channel, thread_ts=thread_ts, file=str(path), filename="plan.md",
                               title="Link plan", initial_comment=comment)


def mention(user: str) -> str:
    return f"<@{user}>" if _USER_ID.fullmatch(user) else "Someone"
