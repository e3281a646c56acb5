"""The one application factory: ``build_application(settings) -> telegram.ext.Application``."""

from __future__ import annotations

import functools
import logging
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

#: The updates the bot asks for (getUpdates/setWebhook ``allowed_updates``).
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def default_grader(settings: Settings) -> Grader:
    """The grader with the lexicon of the cases folder (plus the shipped one)."""
    from tutorbot import grading

    lexicon = grading.load_lexicon(settings.cases)
    return functools.partial(grading.grade, lexicon=lexicon)


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
    workers: int = 256,
    processor: BaseUpdateProcessor | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, ready for ``run_polling``/``run_webhook`` (or tests' own start-up).

    ``store`` defaults to ``open_store(settings.database)`` at start-up (closed
    at shut-down; a store passed in stays open), ``library`` to the cases in
    ``settings.cases``. ``request``/``get_updates_request`` let tests inject the
    HTTP layer; ``sleep`` replaces ``asyncio.sleep`` for retry waits; ``processor``
    replaces the per-chat ordered update processor (the benchmark wraps it to time updates).
    Raises :class:`~tutorbot.settings.SettingsError` for a missing or malformed token.
    """
    token = settings.require_token()
    protect_token(token)
    if library is None:
        library = load_library([settings.cases])
        for problem in library.problems:
            log.warning("case problem: %s", problem)
    sender = Sender(store, sleep=sleep) if sleep else Sender(store)
    runtime = Runtime(library, grader or default_grader(settings), settings.attempts, store, sender)
    own_store = store is None

    api_url = settings.api_url or DEFAULT_API_URL
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(api_url)
        .base_file_url(file_url(api_url))
        .concurrent_updates(processor or ChatOrderedProcessor(workers))
        .application_class(TutorApplication, {"tutor": (runtime, settings.database, own_store)})
    )
    if request is not None:
        builder = builder.request(request)
    if get_updates_request is not None:
        builder = builder.get_updates_request(get_updates_request)
    app = builder.build()
    add_handlers(app, Flow(runtime))
    app.bot_data["tutorbot.runtime"] = runtime
    return app


class TutorApplication(Application):  # type: ignore[type-arg]
    """PTB's Application plus our start-up and shut-down.

    Done in ``initialize``/``shutdown`` rather than ``post_init``, which only
    ``run_polling``/``run_webhook`` call: this way tests and the benchmark that
    start the application by hand get the same start-up.
    """

    def __init__(self, *, tutor: tuple[Runtime, str, bool], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tutor, self._database, self._own_store = tutor

    async def initialize(self) -> None:
        """Open the store (unless one was given), initialise PTB, register the commands."""
        if self._tutor._store is None:
            self._tutor.store = await open_store(self._database)
        await super().initialize()
        await self.bot.set_my_commands([BotCommand(name, about) for name, about in COMMANDS])
        log.info(
            "tutorbot ready as @%s with %d published cases",
            self.bot.username,
            len(self._tutor.library.published()),
        )

    async def shutdown(self) -> None:
        """Shut PTB down, then close the store if we opened it."""
        await super().shutdown()
        if self._own_store and self._tutor._store is not None:
            await self._tutor._store.close()
            self._tutor._store = None


def add_handlers(app: Application[Any, Any, Any, Any, Any, Any], flow: Flow) -> None:
    """Wire the handlers: private chats only for now (group play is a later issue)."""
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
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, flow.answer))
    app.add_handler(CallbackQueryHandler(flow.button))
    app.add_handler(ChatMemberHandler(flow.member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_error_handler(flow.error)


def runtime_of(app: Application[Any, Any, Any, Any, Any, Any]) -> Runtime:
    """The runtime a built application shares with its handlers (for tests and the bench)."""
    runtime: Runtime = app.bot_data["tutorbot.runtime"]
    return runtime


__all__ = ["ALLOWED_UPDATES", "COMMANDS", "build_application", "runtime_of"]
