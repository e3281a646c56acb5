"""The learner's flow: updates → engine events → one store transaction → rendered replies.

Handlers read what they need from the ``Update`` (chat, topic, user, text,
button data) and never pass it on: the engine sees events, the store sees
keys and plain records. Each update is applied in one transaction with
:meth:`Store.apply` (so a redelivered update is ignored), and only after it
committed are the replies sent.

The session's outbox flag closes the gap between commit and send: a change
is committed with ``reply_pending`` set and the flag is cleared once the
reply went out. If the process dies (or the Bot API gives up) in between,
the learner would otherwise see nothing: the redelivered update is a
duplicate, and their next update would act on a step they never saw. So a
duplicate update whose session still has a pending reply shows the current
step again (the engine's ``Show`` event), and the learner's next update
shows it first, before its own reply.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from telegram import CallbackQuery, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from tutorbot.cases import Case, Library
from tutorbot.storage import (
    AnswerRecord,
    Change,
    FinishedCase,
    SessionKey,
    SessionRecord,
    Stats,
    Store,
    StoreError,
)
from tutorbot.telegram._render import (
    Button,
    Line,
    Out,
    Text,
    callback,
    merge,
    parse_callback,
    render,
)
from tutorbot.telegram._sender import Blocked, Sender
from tutorbot.tutor import Grader, SessionState, StateError, Tutor, actions, events
from tutorbot.tutor.actions import Action

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
MAX_ANSWER = 1000  # longer answers are cut: nobody types a longer diagnosis
LIST_LIMIT = 20  # cases listed after an unknown id

HELP = (
    "I show you radiology cases step by step: the history, the images, the findings, "
    "then you give your diagnosis and I grade it.",
    "",
    "/case – the next case you have not seen (or /case <id or tag>)",
    "/hint – a hint",
    "/skip – skip to the diagnosis question",
    "/reveal – give up and see the answer",
    "/restart – start this case again",
    "/stop – stop this case",
    "/stats – cases done, accuracy, streak",
    "/help – this message",
)
GROUPS_LATER = (
    "Cases are played in a private chat for now: tap my name, then Start. "
    "Playing together in groups is coming."
)
FRIENDLY_ERROR = "Sorry, something went wrong on my side. Please try again in a moment."
# Said before the diagnosis when a finished case is shown again after a lost reply.
OUTCOME_NOTES = {
    "correct": "✅ You answered this case correctly.",
    "partial": "🟡 Your answer to this case was partly right.",
    "wrong": "❌ Your answer to this case was not right.",
}
STALE = "That button belongs to an earlier step. Carry on from the latest message."


def text(*lines: str, buttons: Sequence[Button] = ()) -> Text:
    """A plain text message (every line escaped)."""
    return Text(tuple(Line.text(line) for line in lines), tuple(buttons))


@dataclass
class Reply:
    """What one update produced: adapter messages, engine actions, a button toast.

    ``lost`` is the current step shown again first, when the reply to the
    previous change may never have reached the learner (the outbox flag).
    """

    before: list[Out] = field(default_factory=list)
    actions: list[actions.Action] = field(default_factory=list)
    toast: str | None = None
    lost: list[Action] = field(default_factory=list)


class Runtime:
    """What handlers share: the store (opened at start-up), library, grader and sender."""

    def __init__(
        self, library: Library, grader: Grader, attempts: int, store: Store | None, sender: Sender
    ) -> None:
        self.library = library
        self.grader = grader
        self.attempts = attempts
        self._store = store
        self.sender = sender

    @property
    def store(self) -> Store:
        if self._store is None:
            raise StoreError("the store is not open yet")
        return self._store

    @store.setter
    def store(self, store: Store) -> None:
        self._store = store
        self.sender.store = store


def session_key(update: Update) -> SessionKey | None:
    """Chat, forum topic (0 when none) and user of an update."""
    message = update.effective_message
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    thread = message.message_thread_id if message and message.is_topic_message else None
    return SessionKey(chat.id, thread or 0, user.id)


class Flow:
    """The handlers; each is a one-liner around :meth:`_apply` with a pure step function."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    # -- commands -------------------------------------------------------------------

    async def start(self, update: Update, context: Context) -> None:
        """/start, and /start <case-id> from a deep link."""
        payload = context.args[0] if context.args else ""
        if payload:
            await self._open(update, context, payload, from_link=True)
            return
        await self._apply(update, context, self._greet)

    async def case(self, update: Update, context: Context) -> None:
        """/case, /case <id>, /case <tag>."""
        await self._open(update, context, " ".join(context.args or ()).strip())

    async def hint(self, update: Update, context: Context) -> None:
        """/hint."""
        await self._apply(update, context, self._step(events.Hint()))

    async def skip(self, update: Update, context: Context) -> None:
        """/skip."""
        await self._apply(update, context, self._step(events.Skip()))

    async def reveal(self, update: Update, context: Context) -> None:
        """/reveal: give up."""
        await self._apply(update, context, self._step(events.Reveal()))

    async def restart(self, update: Update, context: Context) -> None:
        """/restart."""
        await self._apply(update, context, self._step(events.Restart()))

    async def stop(self, update: Update, context: Context) -> None:
        """/stop: end the case without an outcome (answers stay)."""
        await self._apply(update, context, self._stop)

    async def stats(self, update: Update, context: Context) -> None:
        """/stats."""
        key = session_key(update)
        if key is None:
            return
        stats = await self.rt.store.stats(key.user_id)
        await self._apply(update, context, lambda current: Change(self._stats(stats, current)))

    async def help(self, update: Update, context: Context) -> None:
        """/help."""
        await self._apply(update, context, lambda current: Change(Reply([text(*HELP)])))

    async def group(self, update: Update, context: Context) -> None:
        """One of our commands in a group: group play is not here yet, so point to a private chat."""
        key = session_key(update)
        if key is None:
            return
        await self.rt.sender.send(context.bot, key.chat_id, key.thread_id, [text(GROUPS_LATER)])

    async def unknown(self, update: Update, context: Context) -> None:
        """A command we do not have."""
        reply = Reply([text("I do not know that command. /help lists what I can do.")])
        await self._apply(update, context, lambda current: Change(reply))

    async def answer(self, update: Update, context: Context) -> None:
        """Free text: a diagnosis, or an observation at a stage's question."""
        message = update.effective_message
        if message is None or not message.text:
            return
        event = events.Answer(message.text[:MAX_ANSWER])
        await self._apply(update, context, self._step(event, idle="Send /case to start a case."))

    async def button(self, update: Update, context: Context) -> None:
        """An inline button: next, next case, switch, keep going; stale ones get a polite toast."""
        query = update.callback_query
        if query is None:
            return
        pressed = parse_callback(query.data)
        if pressed is None or query.message is None:
            await self.rt.sender.call(lambda: query.answer(STALE))
            return
        seen: tuple[str, ...] = ()
        if pressed.kind == "case":
            key = session_key(update)
            if key is not None:
                seen = (await self.rt.store.stats(key.user_id)).finished

        def fn(current: SessionRecord | None) -> Change[Reply]:
            now = current.version if current else 0
            if pressed.version != now:
                return Change(Reply(toast=STALE))
            if pressed.kind == "next":
                return self._step(events.Next())(current)
            if pressed.kind == "case":
                return self._open_next(current, seen, None, force=True)
            if pressed.kind in ("sw", "open") and pressed.extra:
                target = self._playable(pressed.extra[0])
                if target is None:
                    return Change(Reply([self._unknown(pressed.extra[0], current)]))
                if pressed.kind == "open":  # from the list: asks first if mid-case
                    return self._open_case(current, target)
                return self._start_case(current, target)
            if pressed.kind == "stay":  # show the step again, so its button is the newest
                change = self._step(events.Show())(current)
                change.result.toast = "Carry on where you were."
                return change
            return Change(Reply(toast=STALE))

        await self._apply(update, context, fn, query=query)

    async def member(self, update: Update, context: Context) -> None:
        """The user blocked (kicked) or unblocked the bot in a private chat."""
        change = update.my_chat_member
        # In a group this is the bot being added or removed by an admin, not a learner
        # blocking it: only a private chat's status says whether we may write to the user.
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        status = change.new_chat_member.status
        await self.rt.store.set_user_active(
            change.from_user.id, status not in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
        )

    async def error(self, update: object, context: Context) -> None:
        """Log the failure with the update's context; tell the user one friendly line."""
        where = "no update"
        chat_id: int | None = None
        thread_id = 0
        if isinstance(update, Update):
            key = session_key(update)
            kind = "button" if update.callback_query else "message"
            where = f"update {update.update_id} ({kind}, key {key})"
            if key is not None:
                chat_id, thread_id = key.chat_id, key.thread_id
        log.error("Handling %s failed", where, exc_info=context.error)
        if chat_id is None:
            return
        try:
            await self.rt.sender.text(context.bot, chat_id, thread_id, FRIENDLY_ERROR)
        except (TelegramError, Blocked) as error:
            log.warning("Could not tell chat %s about the failure: %s", chat_id, error)

    # -- the transaction around every update --------------------------------------------

    async def _apply(
        self,
        update: Update,
        context: Context,
        fn: Callable[[SessionRecord | None], Change[Reply]],
        *,
        query: CallbackQuery | None = None,
    ) -> None:
        key = session_key(update)
        if key is None:
            return
        applied = await self.rt.store.apply(update.update_id, key, self._outboxed(fn))
        session = applied.session
        if applied.duplicate or applied.result is None:
            if session is None or not session.reply_pending:
                log.info("Update %s was handled before; ignored", update.update_id)
                if query is not None:  # stop the button's spinner all the same
                    await self._answer_quietly(query)
                return
            # Handled before, but its reply was never confirmed sent: show where they are.
            log.info("Update %s was handled before; showing its lost reply", update.update_id)
            reply = Reply(lost=self._lost(session))
        else:
            reply = applied.result
        version = session.version if session else 0
        outs = merge([*render(reply.lost, version), *reply.before, *render(reply.actions, version)])
        try:
            if query is not None:
                await self._answer_quietly(query, reply.toast)
            await self.rt.sender.send(context.bot, key.chat_id, key.thread_id, outs)
        except Blocked:
            log.info("User %s blocked the bot; marked inactive", key.user_id)
            await self.rt.store.set_user_active(key.user_id, False)
            return
        if session is not None and session.reply_pending:
            await self.rt.store.reply_sent(key, session.version)

    def _outboxed(
        self, fn: Callable[[SessionRecord | None], Change[Reply]]
    ) -> Callable[[SessionRecord | None], Change[Reply]]:
        """``fn``, plus the outbox: mark a state change's reply pending, show a lost one first."""

        def wrapped(current: SessionRecord | None) -> Change[Reply]:
            change = fn(current)
            change.reply_pending = change.state is not None
            if (
                current is not None
                and current.reply_pending
                and not change.delete
                and change.case_id in (None, current.case_id)
            ):
                change.result.lost = self._lost(current)
            return change

        return wrapped

    def _lost(self, current: SessionRecord) -> list[actions.Action]:
        """The step the session is at, to show again (nothing if it cannot be loaded)."""
        loaded = self._load(current)
        if loaded is None:
            return []
        case, state = loaded
        shown = self._tutor(case).step(state, events.Show())[1]
        note = OUTCOME_NOTES.get(state.outcome or "") if state.phase == "done" else None
        return [actions.Notice("finished", note), *shown] if note else shown

    async def _answer_quietly(self, query: CallbackQuery, toast: str | None = None) -> None:
        """Answer a button press; a press Telegram delivered again may be too old to answer."""
        try:
            await self.rt.sender.call(lambda: query.answer(toast))
        except TelegramError as error:
            log.info("Could not answer button press %s: %s", query.id, error)

    # -- pure step functions (run inside the store transaction) ---------------------------

    def _step(
        self, event: events.Event, idle: str = "You have no case in progress. /case starts one."
    ) -> Callable[[SessionRecord | None], Change[Reply]]:
        def fn(current: SessionRecord | None) -> Change[Reply]:
            if current is None:
                return Change(Reply([text(idle)]))
            loaded = self._load(current)
            if loaded is None:
                gone = "That case is no longer available. /case starts another one."
                return Change(Reply([text(gone)]), delete=True)
            case, state = loaded
            new, shown = self._tutor(case).step(state, event)
            if any(isinstance(action, actions.StartNextCase) for action in shown):
                return self._open_next(current, (), None, force=True)
            return self._change(current, case, state, new, shown)

        return fn

    def _change(
        self,
        current: SessionRecord,
        case: Case,
        old: SessionState,
        new: SessionState,
        shown: list[actions.Action],
    ) -> Change[Reply]:
        key = current.key
        answers = [
            AnswerRecord(
                key.chat_id,
                key.user_id,
                case.id,
                case.version,
                action.verdict.answer,
                action.verdict.verdict,
                action.verdict.score,
                action.verdict.matched,
            )
            for action in shown
            if isinstance(action, actions.ShowVerdict)
        ]
        finished = [
            FinishedCase(key.user_id, case.id, case.version, action.outcome)
            for action in shown
            if isinstance(action, actions.RevealDiagnosis)
        ]
        # An unchanged state is not written, so the version (and the buttons) stay valid.
        state = None if new == old else json.dumps(new.to_json())
        return Change(
            Reply(actions=shown),
            state=state,
            case_id=case.id,
            case_version=new.case_version,
            answers=answers,
            finished=finished,
        )

    def _load(self, current: SessionRecord) -> tuple[Case, SessionState] | None:
        case = self._playable(current.case_id)
        if case is None:
            return None
        try:
            state = SessionState.from_json(json.loads(current.state))
        except (StateError, ValueError):
            log.warning("Session %s holds unreadable state; starting over", current.key)
            return None
        return case, state

    def _tutor(self, case: Case) -> Tutor:
        return Tutor(case, self.rt.grader, self.rt.attempts)

    def _title(self, case: Case) -> str:
        """The case's title as a learner may see it (not one that names the diagnosis)."""
        return self._tutor(case).title

    def _playable(self, case_id: str) -> Case | None:
        """A published case by id; drafts are never served to students."""
        case = self.rt.library.cases.get(case_id)
        return case if case is not None and case.published else None

    def _greet(self, current: SessionRecord | None) -> Change[Reply]:
        lines = ["Welcome! I am a radiology tutor.", *HELP]
        loaded = self._load(current) if current else None
        if current is not None and loaded is not None and loaded[1].phase != "done":
            case, state = loaded
            lines += [
                "",
                f"You have a case in progress: {self._title(case)}. Here is where you were:",
            ]
            _, shown = self._tutor(case).step(state, events.Show())
            return Change(Reply([text(*lines)], shown))
        version = current.version if current else 0
        return Change(
            Reply([text(*lines, buttons=[Button("Start a case ▶", callback("case", version))])])
        )

    def _stop(self, current: SessionRecord | None) -> Change[Reply]:
        if current is None:
            return Change(Reply([text("There is no case to stop. /case starts one.")]))
        return Change(
            Reply([text("Stopped. Your answers are kept; /case starts another case.")]),
            delete=True,
        )

    def _stats(self, stats: Stats, current: SessionRecord | None) -> Reply:
        after = current.case_id if current else None
        upcoming = self.rt.library.next_unseen(stats.finished, after)
        lines = [
            f"Cases done: {stats.cases_done}",
            f"Accuracy: {round(stats.accuracy * 100)}% ({stats.correct} correct)",
            f"Streak: {stats.streak} correct in a row",
        ]
        if upcoming is not None:
            lines.append(f"Next unseen case: {self._title(upcoming)} (/case)")
        return Reply([text(*lines)])

    # -- opening cases ----------------------------------------------------------------------

    async def _open(
        self, update: Update, context: Context, wanted: str, from_link: bool = False
    ) -> None:
        key = session_key(update)
        if key is None:
            return
        seen = (await self.rt.store.stats(key.user_id)).finished
        library = self.rt.library

        def fn(current: SessionRecord | None) -> Change[Reply]:
            if not wanted:
                return self._open_next(current, seen, None)
            target = self._playable(wanted)
            if target is not None:
                return self._open_case(current, target)
            tagged = [] if from_link else library.with_tag(wanted)
            if tagged:
                return self._open_next(current, seen, tagged)
            return Change(Reply([self._unknown(wanted, current)]))

        await self._apply(update, context, fn)

    def _unknown(self, wanted: str, current: SessionRecord | None) -> Text:
        """Say the case is not there and offer the published ones as buttons: a case's id
        can name its diagnosis, so ids are not shown, only titles that give nothing away."""
        cases = self.rt.library.published()[:LIST_LIMIT]
        version = current.version if current else 0
        lines = [f"I have no case called “{wanted}”."]
        if cases:
            lines.append("These are the cases:")
        buttons = [Button(self._title(c), callback("open", version, c.id)) for c in cases]
        return text(*lines, buttons=buttons)

    def _open_next(
        self,
        current: SessionRecord | None,
        seen: Sequence[str],
        among: Sequence[Case] | None,
        force: bool = False,
    ) -> Change[Reply]:
        after = current.case_id if current else None
        if among is None:
            target = self.rt.library.next_unseen(seen, after)
        else:
            fresh = [c for c in among if c.id not in seen and c.id != after]
            others = [c for c in among if c.id != after]
            choice = fresh or others or list(among)
            target = choice[0] if choice else None
        if target is None:
            return Change(Reply([text("There are no cases to play yet. Please come back later.")]))
        if force:
            return self._start_case(current, target)
        return self._open_case(current, target)

    def _open_case(self, current: SessionRecord | None, target: Case) -> Change[Reply]:
        """Open ``target``, asking first if the learner is in the middle of another case."""
        loaded = self._load(current) if current else None
        if current is not None and loaded is not None and loaded[1].phase != "done":
            playing = loaded[0]
            if playing.id == target.id:
                return Change(
                    Reply(
                        [
                            text(
                                f"You are in this case already ({self._title(playing)}). "
                                "Carry on, or /restart."
                            )
                        ]
                    )
                )
            prompt = text(
                f"You are in the middle of {self._title(playing)}. "
                f"Switch to {self._title(target)}?",
                buttons=[
                    Button("Switch", callback("sw", current.version, target.id)),
                    Button("Keep going", callback("stay", current.version)),
                ],
            )
            return Change(Reply([prompt]))
        return self._start_case(current, target)

    def _start_case(self, current: SessionRecord | None, target: Case) -> Change[Reply]:
        state, shown = self._tutor(target).start()
        return Change(
            Reply(actions=shown),
            state=json.dumps(state.to_json()),
            case_id=target.id,
            case_version=target.version,
        )
