"""The broadcast: a push's cards sent to every chat as a durable job, resumed after a crash.

:class:`Broadcaster` is the handler of :data:`~tutorbot.app.pushes.BROADCAST` jobs,
which :func:`~tutorbot.app.pushes.create_push` adds with the push's delivery rows. It
sends the due deliveries through the :class:`~tutorbot.app.ports.Notifier` (bulk priority: learners' replies go
first in the one send budget), recording each one, so that a restart or a
crash resumes where it stopped. A chat gets its card twice only when that one
send was in flight at a crash (its row was left ``sending``).

What becomes of a send: sent; blocked (Telegram's 403: the user blocked the
bot, or the group removed it; the notifier's hook has marked the chat
inactive, and it is not tried again); any other error is retried after
:data:`RETRY_AFTER`, doubled each time, and counted failed after
:data:`MAX_ATTEMPTS`. A 429 never reaches here: the sender waits Telegram's
``retry_after`` and sends again.

A learner in the middle of another case is not interrupted: their card is
held (checked again every :data:`HOLD_FOR`) until their case is over or has
been idle for :data:`BUSY_FOR`, and sent after :data:`HOLD_AT_MOST` in any
case; the card's Start button asks before leaving a case in progress anyway.

One run of the handler sends for at most :data:`SLICE` and then hands the job
back, due at once, so that other jobs get their turn and the job's lease
(two minutes) always outlasts a run. The instructor sees one message edited
every :data:`PROGRESS_EVERY` (sent / total / failed / time left) and, at the
end, a report with a button that lists who was not reached.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tutorbot.app.play import Play
from tutorbot.app.ports import Clock, Delivery, Notifier
from tutorbot.app.pushes import BROADCAST, card, group_card, push_payload
from tutorbot.app.replies import Choice, PushWho, Say
from tutorbot.limits import SENDS_PER_SECOND
from tutorbot.storage import Delivery as DeliveryRow
from tutorbot.storage import DeliveryCounts, Job, PushRecord, SessionKey, Store

log = logging.getLogger(__name__)

#: The longest one run of the handler sends before handing the job back.
SLICE = timedelta(seconds=20)
#: Sends waiting for the send budget at once (the budget paces them; this only has to
#: cover Telegram's latency at 30 messages a second).
WINDOW = 16
#: How often the instructor's progress message is edited.
PROGRESS_EVERY = timedelta(seconds=5)
#: Tries of one card before it counts as failed, and the first retry's delay (doubled each time).
MAX_ATTEMPTS = 5
RETRY_AFTER = timedelta(seconds=10)
#: A learner whose case moved within this is busy with it; their card is looked at again
#: after HOLD_FOR, and sent after HOLD_AT_MOST whatever they are doing.
BUSY_FOR = timedelta(minutes=15)
HOLD_FOR = timedelta(minutes=2)
HOLD_AT_MOST = timedelta(hours=2)
#: How much of an error is kept with a delivery.
ERROR_LIMIT = 300

#: Whether the learner ``user_id`` is in the middle of a case (their card waits).
Busy = Callable[[int], Awaitable[bool]]
#: Sends the card to a class group; the groups issue replaces it with a group round.
GroupCard = Callable[[PushRecord, int], Awaitable[Delivery]]
#: The deep link that opens a start payload in the bot's private chat.
StartLink = Callable[[str], str]


@dataclass
class _Run:
    """One run of the handler: the push, when it started, and the chats in flight."""

    push: PushRecord
    started: datetime
    in_flight: set[int]
    last_progress: datetime


class Broadcaster:
    """The handler of :data:`BROADCAST` jobs (see the module's docstring).

    ``busy`` tells whether a learner is in the middle of a case; ``group_card``
    sends a class group its card (default: :func:`group_card` with ``start_link``).
    """

    def __init__(
        self,
        store: Store,
        notifier: Notifier,
        clock: Clock,
        start_link: StartLink,
        *,
        busy: Busy | None = None,
        group_sender: GroupCard | None = None,
        window: int = WINDOW,
        slice_for: timedelta = SLICE,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.clock = clock
        self.start_link = start_link
        self.busy = busy
        self.group_sender = group_sender or self._send_group_card
        self.window = max(1, window)
        self.slice_for = slice_for

    def handlers(self) -> dict[str, Callable[[Job], Awaitable[datetime | None]]]:
        """The job handlers by kind, for :class:`tutorbot.app.jobs.JobRunner`."""
        return {BROADCAST: self.run}

    async def run(self, job: Job) -> datetime | None:
        """Send what is due for one run; the job's next due time, or ``None`` when all is settled."""
        push = await self.store.pushes.get(int(job.payload["push"]))
        if push is None or push.status == "done":
            return None
        interrupted = await self.store.deliveries.requeue_interrupted(push.id)
        if interrupted:
            log.warning(
                "push %d: %d card(s) were in flight when a process stopped; sending again "
                "(a chat may get its card twice)",
                push.id,
                interrupted,
            )
        now = self.clock.now()
        run = _Run(push, now, set(), now)
        if push.progress_message is None:
            await self._post_progress(run)
        await self._send_due(run)
        counts = await self.store.deliveries.counts(push.id)
        if counts.pending or counts.sending:
            await self._edit_progress(run, counts)
            next_due = await self.store.deliveries.next_due(push.id)
            return max(next_due or self.clock.now(), self.clock.now())
        await self._edit_progress(run, counts)
        await self._report(push, counts)
        await self.store.pushes.finish(push.id, self.clock.now())
        log.info("push %d done: %s", push.id, counts)
        return None

    # -- sending ---------------------------------------------------------------------------

    async def _send_due(self, run: _Run) -> None:
        deadline = run.started + self.slice_for
        slots = asyncio.Semaphore(self.window)
        tasks: set[asyncio.Task[None]] = set()
        try:
            while self.clock.now() < deadline:
                due = await self.store.deliveries.due(
                    run.push.id, self.clock.now(), 2 * self.window + len(run.in_flight)
                )
                fresh = [row for row in due if row.chat_id not in run.in_flight]
                if not fresh:
                    if not tasks:
                        break
                    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                    continue
                for row in fresh:
                    await slots.acquire()
                    if self.clock.now() >= deadline:
                        slots.release()
                        break
                    run.in_flight.add(row.chat_id)
                    task = asyncio.create_task(self._deliver(run, row))
                    tasks.add(task)
                    task.add_done_callback(_finished(tasks, run.in_flight, row.chat_id, slots))
                    await self._maybe_progress(run)
        finally:
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _deliver(self, run: _Run, row: DeliveryRow) -> None:
        push, now = run.push, self.clock.now()
        if row.chat_id > 0 and await self._hold(row, now):
            await self.store.deliveries.hold(push.id, row.chat_id, now + HOLD_FOR, now)
            return
        if not await self.store.deliveries.start(push.id, row.chat_id):
            return  # settled meanwhile
        try:
            if row.chat_id > 0:
                outcome = await self.notifier.notify(row.chat_id, 0, [card(push)])
            else:
                outcome = await self.group_sender(push, row.chat_id)
        except Exception as error:
            message = f"{type(error).__name__}: {error}"[:ERROR_LIMIT]
            attempts = row.attempts + 1
            if attempts >= MAX_ATTEMPTS:
                log.warning("push %d: gave up on chat %d: %s", push.id, row.chat_id, message)
                await self.store.deliveries.settle(
                    push.id, row.chat_id, "failed", self.clock.now(), message
                )
            else:
                retry_at = self.clock.now() + RETRY_AFTER * (1 << (attempts - 1))
                await self.store.deliveries.retry(push.id, row.chat_id, retry_at, message)
            return
        if outcome == "blocked":
            await self.store.deliveries.settle(
                push.id, row.chat_id, "blocked", self.clock.now(), "blocked the bot"
            )
        else:
            await self.store.deliveries.settle(push.id, row.chat_id, "sent", self.clock.now())

    async def _hold(self, row: DeliveryRow, now: datetime) -> bool:
        if self.busy is None:
            return False
        if row.held_since is not None and now - row.held_since >= HOLD_AT_MOST:
            return False
        return await self.busy(row.chat_id)

    async def _send_group_card(self, push: PushRecord, chat_id: int) -> Delivery:
        link = self.start_link(push_payload(push.token))
        return await self.notifier.notify(chat_id, 0, [group_card(push, link)])

    # -- what the instructor sees ----------------------------------------------------------

    async def _maybe_progress(self, run: _Run) -> None:
        if self.clock.now() - run.last_progress >= PROGRESS_EVERY:
            await self._edit_progress(run, await self.store.deliveries.counts(run.push.id))

    async def _post_progress(self, run: _Run) -> None:
        counts = await self.store.deliveries.counts(run.push.id)
        try:
            message_id = await self.notifier.post(run.push.by, progress(run.push, counts))
        except Exception:  # the broadcast goes on without its progress message
            log.exception("push %d: could not post the progress message", run.push.id)
            return
        if message_id is not None:
            await self.store.pushes.set_progress_message(run.push.id, message_id)
            run.push = await self.store.pushes.get(run.push.id) or run.push

    async def _edit_progress(self, run: _Run, counts: DeliveryCounts) -> None:
        run.last_progress = self.clock.now()
        message_id = run.push.progress_message
        if message_id is None:
            return
        try:
            await self.notifier.edit(run.push.by, message_id, progress(run.push, counts))
        except Exception:
            log.exception("push %d: could not edit the progress message", run.push.id)

    async def _report(self, push: PushRecord, counts: DeliveryCounts) -> None:
        try:
            await self.notifier.notify(push.by, 0, [report(push, counts)])
        except Exception:
            log.exception("push %d: could not send the final report", push.id)


def _finished(
    tasks: set[asyncio.Task[None]], in_flight: set[int], chat_id: int, slots: asyncio.Semaphore
) -> Callable[[asyncio.Task[None]], None]:
    def done(task: asyncio.Task[None]) -> None:
        tasks.discard(task)
        in_flight.discard(chat_id)
        slots.release()
        if not task.cancelled() and task.exception() is not None:
            log.error("a push delivery failed to record", exc_info=task.exception())

    return done


def progress(push: PushRecord, counts: DeliveryCounts) -> Say:
    """The instructor's progress message: sent / total / failed / time left."""
    left = counts.pending + counts.sending
    lines = [
        f"Sending “{push.title}” to {push.class_name}: {counts.sent} of {counts.total} sent"
        + (
            f", {counts.blocked + counts.failed} not reached"
            if counts.blocked + counts.failed
            else ""
        )
        + "."
    ]
    if counts.held:
        lines.append(f"{counts.held} waiting until they finish the case they are in.")
    if left - counts.held > 0:
        seconds = max(1, round((left - counts.held) / SENDS_PER_SECOND))
        lines.append(f"About {_duration(seconds)} left.")
    elif not left:
        lines.append("Done.")
    return Say("push_progress", tuple(lines))


def report(push: PushRecord, counts: DeliveryCounts) -> Say:
    """The final report: delivered, blocked, failed, and a button that lists who."""
    lines = [
        f"“{push.title}” reached {counts.sent} of {counts.total} in {push.class_name}.",
        f"Delivered: {counts.sent} · blocked the bot or removed it: {counts.blocked} · "
        f"failed: {counts.failed}",
    ]
    choices: tuple[Choice, ...] = ()
    if counts.blocked or counts.failed:
        choices = (Choice("Who was not reached?", PushWho(push.token)),)
    return Say("push_report", tuple(lines), choices)


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} s"
    return f"{round(seconds / 60)} min"


def mid_case(play: Play, clock: Clock) -> Busy:
    """A learner is busy when their case in progress moved within :data:`BUSY_FOR`."""

    async def busy(user_id: int) -> bool:
        key = SessionKey(user_id, 0, user_id)  # a private chat's id is its user's
        record = await play.store.sessions.get(key)
        if record is None or clock.now() - record.updated_at > BUSY_FOR:
            return False
        state = await play.state(key)
        return state is not None and state.phase != "done"

    return busy
