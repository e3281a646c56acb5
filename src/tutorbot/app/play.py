"""A learner playing cases on their own: open a case, step through it, answer, stop, progress.

Every use case is one transaction (:meth:`Store.apply`): it reads the
learner's session, lets the pure tutor engine decide, and commits the new
state with its answers and finished cases, marking the update processed so a
redelivered update changes nothing. The reply comes back as plain data
(:class:`~tutorbot.app.replies.Reply`) for the front end to render and send.

The outbox: the reply to every update is kept (:mod:`tutorbot.app.outbox`) in
the same transaction as the change it answers, and the front end sends it
from there (:class:`~tutorbot.app.outbox.Deliveries`). If the process dies,
or Telegram cannot be reached, before it went out, it is still there: sent
at start-up, on the next try, or before the reply to the learner's next update.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tutorbot.app.catalogue import Catalogue, Done
from tutorbot.app.outbox import encode_reply
from tutorbot.app.replies import (
    Choice,
    KeepGoing,
    ListCases,
    ListTags,
    NextCase,
    NextStep,
    NotNow,
    OpenCase,
    Press,
    PushFlow,
    PushWho,
    RedoMissed,
    Reply,
    Say,
    ScheduleAction,
    ShowSkipped,
    StartPush,
    SwitchCase,
)
from tutorbot.app.sessions import Loaded, decode, decode_state, recorded, started
from tutorbot.cases import Case, Library
from tutorbot.storage import Change, SessionKey, SessionRecord, Store
from tutorbot.tutor import Grader, SessionState, Tutor, actions, events
from tutorbot.tutor.progress import Stats, stats_from

log = logging.getLogger(__name__)

STALE = "That button belongs to an earlier step. Carry on from the latest message."
# Said before the diagnosis when a finished case is shown again after a lost reply.
OUTCOME_NOTES = {
    "correct": "✅ You answered this case correctly.",
    "partial": "🟡 Your answer to this case was partly right.",
    "wrong": "❌ Your answer to this case was not right.",
}
IDLE = "You have no case in progress. /case starts one."
WELCOME = "Welcome! I am a radiology tutor."
# The one line for a message that is not text (a photo, a sticker, a voice message ...),
# by where the learner is: what the bot understands there.
UNREADABLE = {
    None: "I can read text only: /case starts a case, /cases lists them, /help says the rest.",
    "question": "I can read text only: please type your diagnosis (or hint, or reveal).",
    "done": "I can read text only: type next for another case, or /cases to pick one.",
}
UNREADABLE_IN_CASE = "I can read text only: type next to go on, or hint, skip or reveal."


def say(code: str, *lines: str, choices: Sequence[Choice] = ()) -> Say:
    return Say(code, tuple(lines), tuple(choices))


@dataclass(frozen=True)
class Result:
    """What a use case did: the reply to send, and where it is kept until it is sent.

    ``reply`` is ``None`` when there is nothing new to send (a redelivered
    update: its reply, if not yet sent, is still in the outbox). Buttons in the
    reply carry ``version``. ``entry`` is the outbox entry that keeps the reply
    (``None``: it has no message, only a toast); ``pending`` says there is one.
    """

    reply: Reply | None
    version: int
    pending: bool
    duplicate: bool = False
    entry: int | None = None


StepFn = Callable[[SessionRecord | None], Change[Reply]]
#: The owner name of :meth:`Play.reply_sent`'s brief claims.
SHOWN = "shown-as-it-came"


def _outboxed(fn: StepFn) -> StepFn:
    """``fn``, plus the outbox: a reply with anything to show is kept in the transaction."""

    def wrapped(current: SessionRecord | None) -> Change[Reply]:
        change = fn(current)
        reply = change.result
        if reply.says or reply.actions:
            change.outbox = encode_reply(reply)
        return change

    return wrapped


class Play:
    """The learner's use cases, shared by every front end.

    ``drafts`` lets draft cases be played (an author trying a case in the
    terminal); students in Telegram get published cases only.
    """

    def __init__(
        self,
        store: Store,
        library: Library,
        grader: Grader,
        attempts: int,
        *,
        drafts: bool = False,
    ) -> None:
        self.store = store
        self.library = library
        self.grader = grader
        self.attempts = attempts
        self.drafts = drafts
        self.catalogue = Catalogue(library, self._title)

    # -- use cases ---------------------------------------------------------------------

    async def greet(self, key: SessionKey, update_id: int | None, intro: Sequence[str]) -> Result:
        """Welcome a learner the first time (``intro``: what the bot does and its commands);
        a returning one gets where they were, or the way to the next case."""
        first = await self.first_visit(key.user_id)
        done = (await self.progress(key.user_id)).outcomes
        return await self._apply(
            update_id, key, lambda current: self._greet(current, intro if first else None, done)
        )

    async def open(
        self,
        key: SessionKey,
        update_id: int | None,
        wanted: str,
        *,
        from_link: bool = False,
        welcome: Sequence[str] = (),
        source: str | None = None,
    ) -> Result:
        """Open a case by id or tag, or (``wanted`` empty) the next one not finished yet.

        A deep link (``from_link``) names a case id only, never a tag. ``welcome`` is
        said first when this is the learner's first visit (a deep link is often that).
        ``source`` names where the play comes from (``push:<id>``), kept with its answers.
        """
        done = (await self.progress(key.user_id)).outcomes
        greeting = (
            [say("welcome", WELCOME, *welcome)]
            if welcome and await self.first_visit(key.user_id)
            else []
        )

        def fn(current: SessionRecord | None) -> Change[Reply]:
            change = self._open(current, wanted, from_link, done, source)
            change.result.says[:0] = greeting
            return change

        return await self._apply(update_id, key, fn)

    async def cases(self, key: SessionKey, update_id: int | None, tag: str = "") -> Result:
        """The case list (/cases), first page; only the cases tagged ``tag`` when given."""
        done = (await self.progress(key.user_id)).outcomes
        listed = self.catalogue.page(done, 0, tag)
        return await self._apply(update_id, key, lambda current: Change(Reply([listed])))

    async def unreadable(self, key: SessionKey, update_id: int | None) -> Result:
        """A message the bot cannot read (a photo, a sticker ...): one line on what it can."""
        state = await self.state(key)
        phase = state.phase if state else None
        line = UNREADABLE.get(phase, UNREADABLE_IN_CASE)
        return await self.tell(key, update_id, say("unreadable", line))

    async def start(self, key: SessionKey, case: Case) -> Result:
        """Start ``case`` now, leaving any case in progress (the terminal's ``--case``)."""
        return await self._apply(None, key, lambda current: self._start_case(current, case))

    async def step(
        self,
        key: SessionKey,
        update_id: int | None,
        event: events.Event,
        *,
        idle: str = IDLE,
        name: str = "",
    ) -> Result:
        """Apply one tutor event to the case in progress (``idle``: what to say when none;
        ``next`` with no case in progress opens the next case; ``name``: the learner's
        display name, kept with an answer)."""
        done = (await self.progress(key.user_id)).outcomes if isinstance(event, events.Next) else {}
        return await self._apply(update_id, key, self._step(event, done, idle, name))

    async def press(
        self, key: SessionKey, update_id: int | None, press: Press | None, version: int
    ) -> Result:
        """A button pressed at session ``version``; an old or unknown one gets a polite toast.

        Browsing the case list changes nothing, so its buttons are never stale."""
        # Progress (for marks and what comes next) only where a press may need it.
        quiet = isinstance(press, ListTags | ShowSkipped | KeepGoing) or press is None
        done = {} if quiet else (await self.progress(key.user_id)).outcomes

        def fn(current: SessionRecord | None) -> Change[Reply]:
            match press:
                case ListCases(page=page, tag=tag):
                    return Change(Reply([self.catalogue.page(done, page, tag)]))
                case ListTags():
                    return Change(Reply([self.catalogue.tag_menu()]))
            if press is None or version != (current.version if current else 0):
                return Change(Reply(toast=STALE))
            match press:
                case NextStep():
                    return self._step(events.Next(), done, IDLE)(current)
                case ShowSkipped():
                    return self._step(events.SkippedFindings(), done, IDLE)(current)
                case NextCase():
                    return self._open_next(current, done, force=True)
                case RedoMissed(tag=tag):
                    return self._redo(current, done, tag)
                case OpenCase(case_id=case_id) | SwitchCase(case_id=case_id):
                    target = self._playable(case_id)
                    if target is None:
                        return Change(Reply([self._unknown(case_id, done)]))
                    if isinstance(press, OpenCase):  # from the list: asks first if mid-case
                        return self._open_case(current, target)
                    return self._start_case(current, target)
                case KeepGoing():  # show the step again, so its button is the newest
                    change = self._step(events.Show(), done, IDLE)(current)
                    change.result.toast = "Carry on where you were."
                    return change
                case ListCases() | ListTags():  # answered above
                    raise AssertionError(press)
                case StartPush() | NotNow() | PushWho() | PushFlow() | ScheduleAction():
                    # The pushes router answers these; one reaching here is not ours.
                    return Change(Reply(toast=STALE))

        return await self._apply(update_id, key, fn)

    async def stop(self, key: SessionKey, update_id: int | None) -> Result:
        """End the case in progress without an outcome (its answers stay)."""
        return await self._apply(update_id, key, self._stop)

    async def stats(self, key: SessionKey, update_id: int | None) -> Result:
        """Cases done, accuracy, streak and the next unseen case."""
        stats = await self.progress(key.user_id)
        return await self._apply(
            update_id, key, lambda current: Change(self._stats(stats, current))
        )

    async def tell(self, key: SessionKey, update_id: int | None, message: Say) -> Result:
        """Say something that changes nothing (help, an unknown command)."""
        return await self._apply(update_id, key, lambda current: Change(Reply([message])))

    async def reply_sent(self, key: SessionKey, result: Result) -> None:
        """``result``'s reply, and every reply kept before it, reached the learner: forget
        them. For a front end that shows each reply as it comes (the terminal); Telegram
        goes through :class:`~tutorbot.app.outbox.Deliveries`, which records each message."""
        if result.entry is None:
            return
        now = datetime.now(UTC)
        for entry in await self.store.outbox.claim(key, SHOWN, now, timedelta(minutes=1)):
            if entry.id <= result.entry:
                await self.store.outbox.delivered(entry.id, SHOWN)
        await self.store.outbox.release(SHOWN)

    async def set_reachable(self, user_id: int, reachable: bool) -> None:
        """The learner blocked the bot (``False``) or came back (``True``)."""
        await self.store.users.set_active(user_id, reachable)

    async def progress(self, user_id: int) -> Stats:
        """The learner's progress (each case counted once, as it went the first time)."""
        finished = await self.store.progress.finished(user_id)
        return stats_from((f.case_id, f.outcome) for f in finished)

    async def finished_ids(self, user_id: int) -> tuple[str, ...]:
        return (await self.progress(user_id)).finished

    async def first_visit(self, user_id: int) -> bool:
        """Whether the learner has never been seen (every use case marks them seen)."""
        return await self.store.users.active(user_id) is None

    async def state(self, key: SessionKey) -> SessionState | None:
        """Where the learner is in the case in progress, if any."""
        current = await self.store.sessions.get(key)
        loaded = self._load(current) if current else None
        return loaded.state if loaded else None

    # -- the transaction around every use case -------------------------------------------

    async def _apply(self, update_id: int | None, key: SessionKey, fn: StepFn) -> Result:
        applied = await self.store.apply(update_id, key, _outboxed(fn))
        session = applied.session
        version = session.version if session else 0
        if applied.duplicate or applied.result is None:
            # Its reply, if it has not gone out yet, waits in the outbox.
            log.info("Update %s was handled before; nothing runs again", update_id)
            return Result(None, version, False, duplicate=True)
        entry = applied.outboxed
        return Result(applied.result, version, entry is not None, entry=entry)

    def lost_step(self, case_id: str, state: str) -> list[actions.Action]:
        """The step a session of ``case_id`` was at (``state`` as stored), to show again
        where a reply was not kept (the previous release kept only a flag), with the
        outcome first if the case was over. Nothing if the case or state is gone."""
        case = self._playable(case_id)
        loaded = None if case is None else decode_state(case, state)
        if loaded is None:
            return []
        case, old = loaded
        shown = self._tutor(case).step(old, events.Show())[1]
        note = OUTCOME_NOTES.get(old.outcome or "") if old.phase == "done" else None
        return [actions.Notice("finished", note), *shown] if note else shown

    # -- pure step functions (run inside the store transaction) ---------------------------

    def _step(self, event: events.Event, done: Done, idle: str, name: str = "") -> StepFn:
        def fn(current: SessionRecord | None) -> Change[Reply]:
            if current is None and isinstance(event, events.Next):
                return self._open_next(None, done, force=True)
            if current is None:
                return Change(Reply([say("idle", idle)]))
            loaded = self._load(current)
            if loaded is None:
                gone = "That case is no longer available. /case starts another one."
                return Change(Reply([say("case_gone", gone)]), delete=True)
            case, state = loaded
            new, shown = self._tutor(case).step(state, event)
            if any(isinstance(action, actions.StartNextCase) for action in shown):
                return self._open_next(current, done, force=True)
            return recorded(current.key, case, state, new, shown, name=name)

        return fn

    def _load(self, current: SessionRecord) -> Loaded | None:
        case = self._playable(current.case_id)
        return None if case is None else decode(current, case)

    def _tutor(self, case: Case) -> Tutor:
        return Tutor(case, self.grader, self.attempts)

    def learner_title(self, case: Case) -> str:
        """The case's title as a learner may see it (a push card shows it)."""
        return self._title(case)

    def _title(self, case: Case) -> str:
        """The case's title as a learner may see it (not one that names the diagnosis)."""
        return self._tutor(case).title

    def _playable(self, case_id: str) -> Case | None:
        """A case by id; drafts only where the front end allows them."""
        case = self.library.current(case_id)  # an edited case file is read again
        return case if case is not None and (case.published or self.drafts) else None

    def _greet(
        self, current: SessionRecord | None, intro: Sequence[str] | None, done: Done
    ) -> Change[Reply]:
        """``intro`` for a first visit (``None``: a returning learner, welcomed back briefly)."""
        lines = [WELCOME, *intro] if intro is not None else []
        loaded = self._load(current) if current else None
        if loaded is not None and loaded.state.phase != "done":
            case, state = loaded
            lines += [
                *([""] if lines else ["Welcome back!"]),
                f"You have a case in progress: {self._title(case)}. Here is where you were:",
            ]
            _, shown = self._tutor(case).step(state, events.Show())
            return Change(Reply([say("welcome_back", *lines)], shown))
        start = Choice("Start a case ▶", NextCase())
        if intro is not None:
            return Change(Reply([say("welcome", *lines, choices=[start])]))
        upcoming = self.catalogue.next_case(done, after=None, playing=False)
        if isinstance(upcoming, Say):  # every case done, or none to play
            return Change(Reply([say("welcome_back", "Welcome back!"), upcoming]))
        back = "Welcome back! /case starts the next case you have not done; /cases lists them all."
        return Change(Reply([say("welcome_back", back, choices=[start])]))

    def _stop(self, current: SessionRecord | None) -> Change[Reply]:
        if current is None:
            return Change(
                Reply([say("nothing_to_stop", "There is no case to stop. /case starts one.")])
            )
        stopped = say("stopped", "Stopped. Your answers are kept; /case starts another case.")
        return Change(Reply([stopped]), delete=True)

    def _stats(self, stats: Stats, current: SessionRecord | None) -> Reply:
        after = current.case_id if current else None
        upcoming = self.catalogue.next_case(stats.outcomes, after=after, playing=False)
        lines = [
            f"Cases done: {stats.cases_done}",
            f"Accuracy: {round(stats.accuracy * 100)}% ({stats.correct} correct)",
            f"Streak: {stats.streak} correct in a row",
        ]
        if isinstance(upcoming, Case):
            lines.append(f"Next unseen case: {self._title(upcoming)} (/case)")
        elif upcoming.code == "library_done":
            lines.append("You have done every case: /case offers to redo the ones you missed.")
        return Reply([say("stats", *lines)])

    # -- opening cases ----------------------------------------------------------------------

    def _open(
        self,
        current: SessionRecord | None,
        wanted: str,
        from_link: bool,
        done: Done,
        source: str | None = None,
    ) -> Change[Reply]:
        """/case: the next case, a case by id, or the next of a tag; else the list."""
        if not wanted:
            return self._open_next(current, done)
        target = self._playable(wanted)
        if target is not None:
            return self._open_case(current, target, source)
        if not from_link and self.catalogue.cases(wanted):
            return self._open_next(current, done, tag=wanted)
        return Change(Reply([self._unknown(wanted, done)]))

    def _unknown(self, wanted: str, done: Done) -> Say:
        """Say the case is not there and show the list (titles only: a case's id can name
        its diagnosis)."""
        page = self.catalogue.page(done, lead=[f"I have no case called “{wanted}”."])
        return Say("unknown_case", page.lines, page.choices)

    def _open_next(
        self, current: SessionRecord | None, done: Done, *, force: bool = False, tag: str = ""
    ) -> Change[Reply]:
        """The next case not done yet (started at once when ``force``d, else asking first if
        another is in progress), or what to say when there is none."""
        loaded = self._load(current) if current else None
        playing = loaded is not None and loaded.state.phase != "done"
        after = current.case_id if current else None
        target = self.catalogue.next_case(done, after=after, playing=playing, tag=tag)
        if isinstance(target, Say):
            return Change(Reply([target]))
        if force:
            return self._start_case(current, target)
        return self._open_case(current, target)

    def _redo(self, current: SessionRecord | None, done: Done, tag: str) -> Change[Reply]:
        """The next case missed the first time (asking first if another is in progress)."""
        after = current.case_id if current else None
        target = self.catalogue.next_missed(done, after=after, tag=tag)
        if isinstance(target, Say):
            return Change(Reply([target]))
        return self._open_case(current, target)

    def _open_case(
        self, current: SessionRecord | None, target: Case, source: str | None = None
    ) -> Change[Reply]:
        """Open ``target``, asking first if the learner is in the middle of another case."""
        loaded = self._load(current) if current else None
        if loaded is None or loaded.state.phase == "done":
            return self._start_case(current, target, source)
        playing = loaded.case
        if playing.id == target.id:
            here = f"You are in this case already ({self._title(playing)}). Carry on, or /restart."
            return Change(Reply([say("already_here", here)]))
        ask = say(
            "switch",
            f"You are in the middle of {self._title(playing)}. Switch to {self._title(target)}?",
            choices=[Choice("Switch", SwitchCase(target.id)), Choice("Keep going", KeepGoing())],
        )
        return Change(Reply([ask]))

    def _start_case(
        self, current: SessionRecord | None, target: Case, source: str | None = None
    ) -> Change[Reply]:
        state, shown = self._tutor(target).start()
        return started(target, state, shown, source=source)
