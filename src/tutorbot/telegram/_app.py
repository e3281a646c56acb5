"""The one application factory: ``build_application(settings) -> telegram.ext.Application``."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import BotCommand
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from tutorbot.cases import Library, load_library
from tutorbot.grading import grader_for
from tutorbot.settings import DEFAULT_API_URL, Settings
from tutorbot.storage import Store, open_store
from tutorbot.telegram._flow import Flow, Runtime
from tutorbot.telegram._logging import protect_token
from tutorbot.telegram._processor import ChatOrderedProcessor
from tutorbot.telegram._sender import Sender, Sleep
from tutorbot.tutor import Grader

log = logging.getLogger(__name__)

#: The command menu, registered with setMyCommands at start-up.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("case", "the next case (or /case <id or tag>)"),
    ("hint", "a hint for this case"),
    ("skip", "skip to the diagnosis question"),
    ("reveal", "give up and see the answer"),
    ("restart", "start this case again"),
    ("stop", "stop this case"),
    ("stats", "cases done, accuracy, streak"),
    ("help", "what I can do"),
)

#: Chats handled at once, and Bot API connections (see build_application).
WORKERS = 16

#: Processed update ids are kept this long (Telegram redelivers an update for at most
#: 24 hours, https://core.telegram.org/bots/api#getting-updates), and pruned this often.
KEEP_PROCESSED = timedelta(days=2)
PRUNE_EVERY = timedelta(hours=6)

#: The updates the bot asks for (getUpdates/setWebhook ``allowed_updates``).
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def skip_missing_sniffio() -> None:
    """Make httpcore's per-request ``import sniffio`` fail fast when sniffio is not installed.

    httpcore imports sniffio inside ``current_async_library()`` on every request
    (httpcore/_synchronization.py) and falls back to asyncio when the import fails;
    newer anyio no longer installs sniffio, and every failed import searches all
    of ``sys.path`` again (a sixth of the bot's CPU time under load). A ``None``
    entry in ``sys.modules`` makes the same ImportError immediate.
    """
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


def file_url(api_url: str) -> str:
    """The file download base for a Bot API base URL (``…/bot`` → ``…/file/bot``)."""
    base = api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("bot")] + "file/bot"
    return base + "/file/bot"


def build_application(
    settings: Settings,
    *,
    store: Store | None = None,
    library: Library | None = None,
    grader: Grader | None = None,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    sleep: Sleep | None = None,
    workers: int = WORKERS,
    processor: BaseUpdateProcessor | None = None,
    prune_every: timedelta = PRUNE_EVERY,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, ready for ``run_polling``/``run_webhook`` (or tests' own start-up).

    ``store`` defaults to ``open_store(settings.database)`` at start-up (closed
    at shut-down; a store passed in stays open), ``library`` to the cases in
    ``settings.cases``. ``request``/``get_updates_request`` let tests inject the
    HTTP layer; ``sleep`` replaces ``asyncio.sleep`` for retry waits; ``processor``
    replaces the per-chat ordered update processor (the benchmark wraps it to time updates).
    ``workers`` is how many chats are handled at once, and the size of the Bot API
    connection pool (each worker makes one call at a time). 16 keeps 160 calls/s
    going at Telegram's ~100 ms per call, far above its ~30 messages/s limit;
    more would not make a process on one core faster, and httpcore's pool does
    bookkeeping over all its connections on every request (with 64 workers the
    bot handled a third fewer updates per second on loopback, docs/performance.md).
    Processed update ids older than :data:`KEEP_PROCESSED` are pruned at start-up
    and then every ``prune_every`` while the application runs.
    Raises :class:`~tutorbot.settings.SettingsError` for a missing or malformed token.
    """
    token = settings.require_token()
    protect_token(token)
    skip_missing_sniffio()
    if library is None:
        library = load_library([settings.cases])
        for problem in library.problems:
            log.warning("case problem: %s", problem)
    sender = Sender(store, sleep=sleep) if sleep else Sender(store)
    runtime = Runtime(
        library, grader or grader_for(settings.cases), settings.attempts, store, sender
    )
    own_store = store is None

    api_url = settings.api_url or DEFAULT_API_URL
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(api_url)
        .base_file_url(file_url(api_url))
        .concurrent_updates(processor or ChatOrderedProcessor(workers))
        .application_class(
            TutorApplication,
            {"tutor": Startup(runtime, settings.database, own_store, prune_every)},
        )
    )
    if request is not None:
        builder = builder.request(request)
    else:
        # Error handlers run outside the workers: a few spare connections, and
        # a wait for a free one rather than a PoolTimeout after PTB's 1 s.
        builder = builder.connection_pool_size(workers + 8).pool_timeout(10.0)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    app = builder.build()
    add_handlers(app, Flow(runtime))
    app.bot_data["tutorbot.runtime"] = runtime
    return app


@dataclass(frozen=True)
class Startup:
    """What TutorApplication needs besides PTB's arguments."""

    runtime: Runtime
    database: str
    own_store: bool
    prune_every: timedelta


class TutorApplication(Application):  # type: ignore[type-arg]
    """PTB's Application plus our start-up and shut-down.

    Done in ``initialize``/``start``/``stop``/``shutdown`` rather than
    ``post_init`` and friends, which only ``run_polling``/``run_webhook`` call:
    this way tests and the benchmark that start the application by hand get the
    same start-up. (No JobQueue: it needs the optional APScheduler, for one timer.)
    """

    def __init__(self, *, tutor: Startup, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tutor = tutor.runtime
        self._database, self._own_store = tutor.database, tutor.own_store
        self._prune_every = tutor.prune_every
        self._pruner: asyncio.Task[None] | None = None

    async def initialize(self) -> None:
        """Open the store (unless one was given), prune old update ids, initialise PTB,
        register the commands."""
        if self._tutor._store is None:
            self._tutor.store = await open_store(self._database)
        await self.prune()
        await super().initialize()
        await self.bot.set_my_commands([BotCommand(name, about) for name, about in COMMANDS])
        log.info(
            "tutorbot ready as @%s with %d published cases",
            self.bot.username,
            len(self._tutor.library.published()),
        )

    def _mark_for_persistence_update(
        self, *, update: object | None = None, job: Any | None = None
    ) -> None:
        """Nothing to mark: we have no PTB persistence (the sessions live in the store).

        PTB 22 adds every update's chat and user id to two sets for its
        persistence even when there is none, and only a persistence ever empties
        them (telegram/ext/_application.py): RAM that grows with every learner.
        """
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)

    async def start(self) -> None:
        """Start PTB, and the timer that prunes processed update ids."""
        await super().start()
        self._pruner = asyncio.create_task(self._prune_periodically(), name="tutorbot-prune")

    async def stop(self) -> None:
        """Stop the pruning timer, then PTB."""
        pruner, self._pruner = self._pruner, None
        if pruner is not None:
            pruner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pruner
        await super().stop()

    async def prune(self) -> int:
        """Forget processed update ids older than :data:`KEEP_PROCESSED`; never raises."""
        try:
            pruned = await self._tutor.store.prune_processed(datetime.now(UTC) - KEEP_PROCESSED)
        except Exception:
            log.warning("Could not prune processed update ids", exc_info=True)
            return 0
        if pruned:
            log.info("Pruned %d processed update ids", pruned)
        return pruned

    async def _prune_periodically(self) -> None:
        while True:
            await asyncio.sleep(self._prune_every.total_seconds())
            await self.prune()

    async def shutdown(self) -> None:
        """Shut PTB down, then close the store if we opened it."""
        await super().shutdown()
        if self._own_store and self._tutor._store is not None:
            await self._tutor._store.close()
            self._tutor._store = None


def add_handlers(app: Application[Any, Any, Any, Any, Any, Any], flow: Flow) -> None:
    """Wire the handlers: private chats (group play is a later issue; in a group our
    commands get one line that points to a private chat)."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    commands = {
        "start": flow.start,
        "case": flow.case,
        "hint": flow.hint,
        "skip": flow.skip,
        "reveal": flow.reveal,
        "restart": flow.restart,
        "stop": flow.stop,
        "stats": flow.stats,
        "help": flow.help,
    }
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback, filters=private))
    app.add_handler(MessageHandler(private & filters.COMMAND, flow.unknown))
    ours = filters.Regex(rf"^/({'|'.join(commands)})(@\w+)?(\s|$)")
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & ours
    app.add_handler(MessageHandler(groups, flow.group))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, flow.answer))
    app.add_handler(CallbackQueryHandler(flow.button))
    app.add_handler(ChatMemberHandler(flow.member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_error_handler(flow.error)


def runtime_of(app: Application[Any, Any, Any, Any, Any, Any]) -> Runtime:
    """The runtime a built application shares with its handlers (for tests and the bench)."""
    runtime: Runtime = app.bot_data["tutorbot.runtime"]
    return runtime


__all__ = ["ALLOWED_UPDATES", "COMMANDS", "build_application", "runtime_of"]
