"""The one application factory: ``build_application(settings) -> telegram.ext.Application``.

It wires the use cases (:mod:`tutorbot.app`) to Telegram: the handlers of
each audience (:mod:`tutorbot.telegram.routers`), the sender that paces every
message within one budget, the inbox that keeps each update until it is
handled, the outbox's pump that sends kept replies due again (after a
restart, after an outage), and the jobs runner that does due work (pruning,
broadcasting pushes, firing schedules; reveals and reminders later) while the
bot runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import sys
import time
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, BaseUpdateProcessor
from telegram.request import BaseRequest

from tutorbot.app import curation, housekeeping
from tutorbot.app.broadcast import Broadcaster, mid_case
from tutorbot.app.classes import Classroom
from tutorbot.app.instructors import Roster
from tutorbot.app.jobs import JobRunner
from tutorbot.app.ports import Clock, SystemClock
from tutorbot.app.schedules import Scheduler
from tutorbot.cases import Library, load_library
from tutorbot.grading import grader_for
from tutorbot.metrics import METRICS
from tutorbot.settings import DEFAULT_API_URL, Settings
from tutorbot.storage import Store, open_store
from tutorbot.telegram._inbox import DurableQueue, new_owner, owner_gone
from tutorbot.telegram._logging import protect_token
from tutorbot.telegram._ops import CountingRequest
from tutorbot.telegram._processor import ChatOrderedProcessor
from tutorbot.telegram._request import AiohttpRequest
from tutorbot.telegram._rounds import STATUS_EVERY
from tutorbot.telegram._runtime import Runtime
from tutorbot.telegram._sender import Sender, Sleep
from tutorbot.telegram.budget import SendBudget
from tutorbot.telegram.menu import COMMANDS, set_instructor_menus, set_menus
from tutorbot.telegram.notifier import TelegramNotifier
from tutorbot.telegram.routers import register_all
from tutorbot.tutor import Grader

log = logging.getLogger(__name__)

#: Chats handled at once, and Bot API connections (see build_application).
WORKERS = 16

#: How often the jobs runner looks for due work when it found none.
JOBS_POLL = 1.0

#: How often the outbox's pump looks for kept replies due to be sent again.
OUTBOX_POLL = 1.0

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
    budget: SendBudget | None = None,
    clock: Clock | None = None,
    jobs_poll: float = JOBS_POLL,
    outbox_poll: float = OUTBOX_POLL,
    status_every: float = STATUS_EVERY,
    shared_budget: bool = False,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The bot, ready for ``run_polling``/``run_webhook`` (or tests' own start-up).

    ``store`` defaults to ``open_store(settings.database)`` at start-up (migrated
    unless ``settings.migrate`` is off; closed
    at shut-down; a store passed in stays open), ``library`` to the cases in
    ``settings.cases``. ``request``/``get_updates_request`` let tests inject the
    HTTP layer; ``sleep`` replaces ``asyncio.sleep`` for retry waits; ``processor``
    replaces the per-chat ordered update processor (the benchmark wraps it to time updates).
    ``workers`` is how many chats are handled at once, and the size of the Bot API
    connection pool (each worker makes one call at a time). 16 keeps 160 calls/s
    going at Telegram's ~100 ms per call, far above its ~30 messages/s limit;
    more would not make a process on one core faster. The calls go through
    :class:`AiohttpRequest` (``request``/``get_updates_request`` replace it), which
    costs a fraction of PTB's default httpx request per call (docs/performance.md).
    ``budget`` paces every message within Telegram's limits (default: Telegram's own
    numbers); ``clock`` and ``jobs_poll`` drive the jobs runner, ``clock`` and
    ``outbox_poll`` the outbox's pump; ``status_every`` is the least time between two
    edits of a group round's status message. ``shared_budget``: every message send also
    reserves its moment in the store's send slots, so that several processes of one bot
    keep one bot's limits together (``tutorbot run --webhook``).
    Raises :class:`~tutorbot.settings.SettingsError` for a missing or malformed token.
    """
    token = settings.require_token()
    protect_token(token)
    skip_missing_sniffio()
    if library is None:
        library = load_library([settings.cases])
        for problem in library.problems:
            log.warning("case problem: %s", problem)
    sender = Sender(store, budget=budget or SendBudget(), sleep=sleep or asyncio.sleep)
    sender.shared = shared_budget
    clock = clock or SystemClock()
    runtime = Runtime(
        library,
        grader or grader_for(settings.cases),
        settings.attempts,
        store,
        sender,
        clock=clock,
        owner=new_owner(),
        owners=settings.instructors,
    )
    sender.on_blocked = runtime.chat_blocked
    startup = Startup(
        runtime,
        settings.database,
        store is None,
        clock,
        jobs_poll,
        outbox_poll,
        migrate=settings.migrate,
    )

    api_url = settings.api_url or DEFAULT_API_URL
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(api_url)
        .base_file_url(file_url(api_url))
        .concurrent_updates(processor or ChatOrderedProcessor(workers))
        .update_queue(DurableQueue(runtime))
        .application_class(TutorApplication, {"tutor": startup})
    )
    # Error handlers run outside the workers: a few spare connections, and a wait
    # for a free one rather than a TimedOut after PTB's 1 s. Each call is counted in the
    # metrics by method and result.
    builder = builder.request(request or CountingRequest(workers + 8, pool_timeout=10.0))
    builder = builder.get_updates_request(get_updates_request or AiohttpRequest(1))
    app = builder.build()
    runtime.attach(app.bot, status_every=status_every)
    register_all(app, runtime)
    app.bot_data["tutorbot.runtime"] = runtime
    return app


@dataclass(frozen=True)
class Startup:
    """What TutorApplication needs besides PTB's arguments."""

    runtime: Runtime
    database: str
    own_store: bool
    clock: Clock
    jobs_poll: float
    outbox_poll: float
    owners: frozenset[int] = frozenset()
    migrate: bool = True


class TutorApplication(Application):  # type: ignore[type-arg]
    """PTB's Application plus our start-up and shut-down.

    Done in ``initialize``/``start``/``stop``/``shutdown`` rather than
    ``post_init`` and friends, which only ``run_polling``/``run_webhook`` call:
    this way tests and the benchmark that start the application by hand get the
    same start-up. No JobQueue: PTB keeps its jobs in memory only, and ours
    must survive restarts and be shared by processes (:mod:`tutorbot.app.jobs`).
    """

    def __init__(self, *, tutor: Startup, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tutor = tutor.runtime
        self._startup = tutor
        self._runner: JobRunner | None = None
        self._running_jobs: asyncio.Task[None] | None = None
        self._pumping: asyncio.Task[None] | None = None

    async def initialize(self) -> None:
        """Open the store (unless one was given), initialise PTB, register the commands,
        make sure the housekeeping jobs are scheduled, take over the kept replies of a
        process that died, and queue again the updates it received but never handled."""
        if self._tutor._store is None:
            self._tutor.store = await open_store(
                self._startup.database, migrate=self._startup.migrate
            )
        await super().initialize()
        await set_menus(self.bot)
        await set_instructor_menus(self.bot, await self._tutor.classroom.roster.ids())
        await housekeeping.schedule_housekeeping(self._tutor.store, self._startup.clock)
        me = self._tutor.owner
        released = await self._tutor.deliveries.release_owners(lambda owner: owner_gone(owner, me))
        if released:
            log.info("Took over %d kept reply(ies) of a process that died", released)
        if isinstance(self.update_queue, DurableQueue):
            await self.update_queue.requeue(self.bot)
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

    async def process_update(self, update: object) -> None:
        """Handle an update as PTB does, then forget it from the inbox (handled, or failed
        and answered by the error handler: never handled twice by this process)."""
        queue = self.update_queue
        arrived = (
            queue.arrived.pop(update.update_id, None)
            if isinstance(queue, DurableQueue) and isinstance(update, Update)
            else None
        )
        started = arrived if arrived is not None else time.monotonic()
        try:
            await super().process_update(update)
        finally:
            METRICS.observe("tutorbot_update_seconds", time.monotonic() - started)
            METRICS.inc("tutorbot_updates_total", kind=_kind(update))
            if isinstance(queue, DurableQueue) and isinstance(update, Update):
                queue.handled(update.update_id)
            if isinstance(update, Update) and self._tutor._store is not None:
                try:
                    await self._tutor.store.inbox.done(update.update_id)
                except Exception:
                    log.exception("Could not forget handled update %s", update.update_id)

    async def start(self) -> None:
        """Start PTB, the jobs runner, and the outbox's pump (which sends at once what a
        process that died left kept)."""
        await super().start()
        store, clock = self._tutor.store, self._startup.clock
        notifier = TelegramNotifier(self.bot, self._tutor.sender)
        broadcaster = Broadcaster(
            store,
            notifier,
            clock,
            lambda payload: f"https://t.me/{self.bot.username}?start={payload}",
            busy=mid_case(self._tutor.play, clock),
            # A case pushed to a class group is played there as a group round.
            group_sender=lambda push, chat_id: self._tutor.rounds.from_push(chat_id, push.case_id),
        )
        classroom = Classroom(store, Roster(store, self._startup.owners, clock))
        scheduler = Scheduler(
            store,
            classroom,
            self._tutor.library,
            clock,
            notifier,
            title=self._tutor.play.learner_title,
        )
        curator = curation.Curation(store, self._tutor.library, self._tutor.grader, clock, notifier)
        self._runner = JobRunner(
            store.jobs,
            {
                **housekeeping.handlers(store, clock),
                **self._tutor.rounds.job_handlers(),
                **broadcaster.handlers(),
                **scheduler.handlers(),
                **curation.handlers(curator),
            },
            owner=self._tutor.owner,
            clock=clock,
            poll=self._startup.jobs_poll,
        )
        self._running_jobs = asyncio.create_task(self._runner.run(), name="tutorbot-jobs")
        self._pumping = asyncio.create_task(
            self._tutor.courier.pump(self.bot, self._startup.outbox_poll), name="tutorbot-outbox"
        )

    async def stop(self) -> None:
        """Stop the outbox's pump and the jobs runner (what is in flight finishes, leases
        are released), then PTB."""
        runner, task, pumping = self._runner, self._running_jobs, self._pumping
        self._runner = self._running_jobs = self._pumping = None
        self._tutor.courier.stop()
        if self._tutor.round_port is not None:
            await self._tutor.round_port.close()
        if runner is not None:
            await runner.stop()
        for waited in (task, pumping):
            if waited is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await waited
        if self._tutor._store is not None:
            await self._tutor.deliveries.release()
        await super().stop()

    async def shutdown(self) -> None:
        """Shut PTB down, then close the store if we opened it."""
        await super().shutdown()
        if self._startup.own_store and self._tutor._store is not None:
            await self._tutor._store.close()
            self._tutor._store = None


def _kind(update: object) -> str:
    """What an update carries (``message``, ``callback_query`` ...), for the metrics."""
    if not isinstance(update, Update):
        return "other"
    for kind in ("message", "edited_message", "callback_query", "my_chat_member"):
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


def runtime_of(app: Application[Any, Any, Any, Any, Any, Any]) -> Runtime:
    """The runtime a built application shares with its handlers (for tests and the bench)."""
    runtime: Runtime = app.bot_data["tutorbot.runtime"]
    return runtime


__all__ = ["ALLOWED_UPDATES", "COMMANDS", "build_application", "runtime_of"]
