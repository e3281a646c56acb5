"""Group rounds: a case played together in a group or forum topic, answers hidden until
the reveal, a leaderboard.

Every front end and the deadline job call these use cases; what the group and the
participants see goes out through :class:`RoundOutput`, a port the Telegram side
implements. Answers are appended to the round (never a read-modify-write), and the
round's own moves are compare-and-set on its version: two presses of Next at once
move it once, two reveals at once post once.

The reveal runs in this order: post the reveal in the group, mark the round revealed,
then tell each participant their verdict. A crash before the mark leaves the round
open and its deadline job due, so the reveal happens again (posted twice, never lost).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from tutorbot.app.jobs import JobHandler
from tutorbot.app.ports import Clock, Delivery
from tutorbot.app.round_ports import (
    Actor,
    ChatGone,
    IsInstructor,
    RoundPort,
    Where,
    no_instructors,
)
from tutorbot.app.round_texts import (
    ANSWER_USAGE,
    NO_ROUND,
    NO_ROUND_THERE,
    NOT_YOUR_ROUND,
    ROUND_RUNNING,
    StatusView,
    ack_lines,
    bound_lines,
    late_line,
    leaderboard_lines,
    settings_lines,
    verdict_lines,
)
from tutorbot.cases import Case, Library
from tutorbot.rounds import (
    ANSWER_LIMIT,
    Round,
    RoundAnswer,
    RoundSettings,
    known_zone,
    leaderboard,
    parse_deadline,
    summarise,
    week_start,
)
from tutorbot.storage import Job, NewJob, NewRound, SessionKey, Store
from tutorbot.tutor import Grader, Tutor

log = logging.getLogger(__name__)

#: The job that reveals a round at its deadline (payload: the round's id).
REVEAL_JOB = "rounds.reveal"
#: Deep-link payloads of answer tokens start with this (a case id never has capitals).
LINK_PREFIX = "R_"
#: Random bytes of an answer token (128 bits).
TOKEN_BYTES = 16
#: How many unplayed cases ``/case`` offers as buttons.
OFFERED = 6


class Rounds:
    """The group round use cases over the store, the library and the grader."""

    def __init__(
        self,
        store: Store,
        library: Library,
        grader: Grader,
        clock: Clock,
        out: RoundPort,
        *,
        bot_username: Callable[[], str],
        is_instructor: IsInstructor = no_instructors,
    ) -> None:
        self.store = store
        self.library = library
        self.grader = grader
        self.clock = clock
        self.out = out
        self.bot_username = bot_username
        self.is_instructor = is_instructor
        self._revealing: set[int] = set()

    # -- starting and moving on ------------------------------------------------------------

    async def start(self, where: Where, actor: Actor, args: Sequence[str]) -> None:
        """/case, /case <id>, /case <id> 24h, /case next: start a round (or offer cases)."""
        settings = await self.store.rounds.settings(where.chat_id)
        if not await self._may_lead(where, actor, settings, None):
            await self.out.line(where, "Only the group's admins can start a round here.")
            return
        running = await self.store.rounds.open_in(where.chat_id, where.thread_id)
        if running is not None:
            await self.out.line(where, ROUND_RUNNING)
            return
        wanted, deadline, understood = _case_and_deadline(args)
        if not understood:
            await self.out.line(
                where, "Give the deadline like 30m, 24h or 2d (1 minute to 7 days)."
            )
            return
        played = await self.store.rounds.played(where.chat_id)
        unplayed = [c for c in self.library.published() if c.id not in played]
        if wanted in ("", "next") and not (wanted == "" and deadline is None):
            case = unplayed[0] if unplayed else None
            if case is None:
                await self.out.line(
                    where, "This group has played every case: /case <id> replays one."
                )
                return
        elif wanted == "":
            lines = ["Pick a case for the round (or /case <id> [24h]):"]
            if not unplayed:
                lines = ["This group has played every case. /case <id> replays one."]
            offered = [(c.id, self._tutor(c).title) for c in unplayed[:OFFERED]]
            await self.out.offer(where, lines, offered)
            return
        else:
            case = self._published(wanted)
            if case is None:
                await self.out.line(
                    where, f"I have no case called “{wanted[:64]}”. /case lists some."
                )
                return
        await self.begin(where, actor, case, deadline or settings.deadline)

    async def begin(
        self, where: Where, actor: Actor, case: Case, duration: timedelta
    ) -> Round | None:
        """Start a round of ``case`` now (the checks done), posting its history."""
        now = self.clock.now()
        new = NewRound(
            where.chat_id,
            where.thread_id,
            case.id,
            case.version,
            actor.user_id,
            now,
            now + duration,
            len(case.stages),
        )
        rnd = await self.store.rounds.start(new)
        if rnd is None:  # another start won the race
            await self.out.line(where, ROUND_RUNNING)
            return None
        token = LINK_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
        await self.store.rounds.add_token(token, rnd.id, now)
        await self.store.jobs.add(
            NewJob(REVEAL_JOB, {"round": rnd.id}, rnd.deadline, key=f"{REVEAL_JOB}:{rnd.id}")
        )
        try:
            await self.out.material(rnd, [self._tutor(case).shown_at(0)])
            posted = await self.out.status(await self._view(rnd, case))
        except ChatGone:
            await self.ended(where.chat_id)
            return None
        if posted:
            await self.store.rounds.set_messages(rnd.id, status=posted, question=posted)
        return rnd

    async def from_push(self, chat_id: int, case_id: str) -> Delivery:
        """A case pushed to a class group becomes a round there (the pushes' group hook):
        started by the class (user id 0), with the group's default deadline. ``"blocked"``
        when the bot may not post there; a group with a round running keeps it."""
        where = Where(chat_id, 0)
        case = self._published(case_id)
        if case is None or await self.store.rounds.open_in(chat_id, 0) is not None:
            log.info(
                "push of %s to %s: no round started (unknown case or one running)", case_id, chat_id
            )
            return "sent"
        settings = await self.store.rounds.settings(chat_id)
        rnd = await self.begin(where, Actor(0, "", admin=True), case, settings.deadline)
        if rnd is None and not await self.store.rounds.open_in(chat_id, 0):
            return "blocked"
        return "sent"

    async def next(self, where: Where, actor: Actor, round_id: int, version: int) -> str | None:
        """The Next button: post the next stage's images. A toast for the presser, if any."""
        rnd = await self.store.rounds.get(round_id)
        if rnd is None or not rnd.open:
            return "This round is over."
        settings = await self.store.rounds.settings(rnd.chat_id)
        if not await self._may_lead(where, actor, settings, rnd):
            return "Only the round's starter or an admin can move it on."
        if rnd.version != version or rnd.fully_shown:
            return "Already moved on."
        moved = rnd.advanced()
        if not await self.store.rounds.save(moved, rnd.version):
            return "Already moved on."
        case = self._case_of(moved)
        if case is None:
            return "That case is no longer available."
        try:
            await self.out.material(moved, [self._tutor(case).shown_at(moved.stage)])
            await self._status(moved, case)
        except ChatGone:
            await self.ended(moved.chat_id)
        return None

    # -- answers ----------------------------------------------------------------------------

    async def answer_in_group(
        self, where: Where, actor: Actor, text: str, update_id: int | None, message_id: int
    ) -> None:
        """/dx <answer> or a reply to the round's question in the group: kept, acknowledged
        privately, and deleted from the group when the bot may (else a private tip)."""
        rnd = await self.store.rounds.open_in(where.chat_id, where.thread_id)
        if not text.strip():
            if not await self.out.private(actor.user_id, [ANSWER_USAGE]):
                await self.out.line(where, ANSWER_USAGE)
            return
        if rnd is None:  # none yet, or revealed already: say so privately if we can
            if not await self.out.private(actor.user_id, [NO_ROUND_THERE]):
                await self.out.line(where, NO_ROUND)
            return
        deleted = await self.out.delete(where.chat_id, message_id)
        await self._take(rnd, actor, text, update_id, tip=not deleted)

    async def open_link(self, actor: Actor, payload: str) -> None:
        """``/start R_<token>`` in private: bind the private chat to that round."""
        round_id = await self.store.rounds.round_of_token(payload)
        rnd = None if round_id is None else await self.store.rounds.get(round_id)
        if rnd is None:
            await self.out.private(actor.user_id, ["That answer link is not one of mine."])
            return
        case = self._case_of(rnd)
        if not rnd.open or case is None:
            await self.out.private(actor.user_id, [late_line()])
            return
        await self.store.rounds.bind(actor.user_id, rnd.id, self.clock.now())
        solo = await self.store.sessions.get(SessionKey(actor.user_id, 0, actor.user_id))
        paused = self._case_of_id(solo.case_id) if solo is not None else None
        paused_title = self._tutor(paused).title if paused is not None else None
        await self.out.private(
            actor.user_id, bound_lines(self._tutor(case).title, rnd, paused_title)
        )

    async def answer_privately(self, actor: Actor, text: str, update_id: int | None) -> bool:
        """Text in a private chat bound to a round: the answer. ``False`` if the chat is
        bound to none (the text is the learner's own business)."""
        round_id = await self.store.rounds.bound(actor.user_id)
        if round_id is None:
            return False
        await self.store.rounds.unbind(actor.user_id)
        rnd = await self.store.rounds.get(round_id)
        if rnd is None:
            return False
        if not rnd.open:
            await self.out.private(actor.user_id, [late_line()])
            return True
        await self._take(rnd, actor, text, update_id, tip=False)
        return True

    async def _take(
        self, rnd: Round, actor: Actor, text: str, update_id: int | None, *, tip: bool
    ) -> None:
        case = self._case_of(rnd)
        if case is None:
            await self.out.private(actor.user_id, ["That case is no longer available."])
            return
        kept = text.strip()[:ANSWER_LIMIT]
        verdict = self.grader(kept, case.diagnosis)
        now = self.clock.now()
        answer = RoundAnswer(
            rnd.id, actor.user_id, actor.name, kept, verdict.verdict, verdict.score, now
        )
        await self.store.rounds.add_answer(answer, update_id)
        settings = await self.store.rounds.settings(rnd.chat_id)
        lines = ack_lines(self._tutor(case).title, kept, rnd, tip=tip)
        if settings.verdict_at == "once":
            lines += verdict_lines(verdict)
        await self.out.private(actor.user_id, lines)
        try:
            await self._status(rnd, case)
        except ChatGone:
            await self.ended(rnd.chat_id)

    # -- the reveal ---------------------------------------------------------------------------

    async def reveal_now(self, where: Where, actor: Actor) -> None:
        """/reveal from the starter, an admin or an instructor."""
        rnd = await self.store.rounds.open_in(where.chat_id, where.thread_id)
        if rnd is None:
            await self.out.line(where, NO_ROUND)
            return
        settings = await self.store.rounds.settings(rnd.chat_id)
        if not await self._may_lead(where, actor, replace(settings, starters="admins"), rnd):
            await self.out.line(where, NOT_YOUR_ROUND)
            return
        await self.reveal(rnd.id)

    async def reveal(self, round_id: int) -> None:
        """Reveal a round (idempotent: a round that is not open is left alone)."""
        if round_id in self._revealing:
            return
        self._revealing.add(round_id)
        try:
            await self._reveal(round_id)
        finally:
            self._revealing.discard(round_id)

    async def _reveal(self, round_id: int) -> None:
        rnd = await self.store.rounds.get(round_id)
        if rnd is None or not rnd.open:
            return
        case = self._case_of(rnd)
        answers = await self.store.rounds.answers(rnd.id)
        anonymous = await self.store.rounds.anonymous({a.user_id for a in answers})
        summary = summarise(answers, anonymous)
        now = self.clock.now()
        if case is None:
            await self.store.rounds.save(rnd.ended(now), rnd.version)
            return
        try:
            await self.out.reveal(rnd, self._tutor(case).revealed_all(), summary)
        except ChatGone:
            await self.ended(rnd.chat_id)
            return
        if not await self.store.rounds.save(rnd.revealed(now), rnd.version):
            return
        try:
            await self._status(rnd.revealed(now), case)
        except ChatGone:
            log.info("round %d revealed, but its group is gone", rnd.id)
        title = self._tutor(case).title
        finals: dict[int, RoundAnswer] = {a.user_id: a for a in answers}
        for user_id, final in finals.items():
            verdict = self.grader(final.text, case.diagnosis)
            revealed = f"The round “{title}” is revealed."
            await self.out.private(user_id, [revealed, *verdict_lines(verdict)], bulk=True)

    async def ended(self, chat_id: int) -> int:
        """The bot was removed from the chat: its open rounds end (their deadline jobs then
        find nothing to do); how many."""
        now = self.clock.now()
        ended = 0
        for rnd in await self.store.rounds.open_in_chat(chat_id):
            if await self.store.rounds.save(rnd.ended(now), rnd.version):
                ended += 1
        if ended:
            log.info("ended %d round(s) of chat %s: the bot may not post there", ended, chat_id)
        return ended

    async def migrated(self, old_chat_id: int, new_chat_id: int) -> int:
        """A basic group became a supergroup: its rounds and settings move along."""
        return await self.store.rounds.migrate(old_chat_id, new_chat_id)

    def job_handlers(self) -> dict[str, JobHandler]:
        """The deadline reveal, for :class:`tutorbot.app.jobs.JobRunner`."""

        async def reveal_at_deadline(job: Job) -> datetime | None:
            await self.reveal(int(job.payload["round"]))
            return None

        return {REVEAL_JOB: reveal_at_deadline}

    # -- the leaderboard, settings, anonymity -------------------------------------------------

    async def leaderboard(self, where: Where) -> None:
        """/leaderboard: this week (from Monday 00:00 in the group's zone) and all time."""
        settings = await self.store.rounds.settings(where.chat_id)
        since = week_start(self.clock.now(), settings.tz)
        week = await self.store.rounds.revealed_since(where.chat_id, since)
        ever = await self.store.rounds.revealed_since(where.chat_id, None)
        people = {a.user_id for answers in ever for a in answers}
        anonymous = await self.store.rounds.anonymous(people)
        lines = leaderboard_lines(
            leaderboard(week, anonymous), leaderboard(ever, anonymous), settings.zone
        )
        await self.out.line(where, "\n".join(lines))

    async def settings(self, where: Where, actor: Actor, args: Sequence[str]) -> None:
        """/groupsettings [starters admins|everyone] [verdict reveal|once] [deadline 24h]
        [zone Europe/London]: show, or (admins) change."""
        current = await self.store.rounds.settings(where.chat_id)
        if not args:
            await self.out.line(where, "\n".join(settings_lines(current)))
            return
        if not actor.admin:
            await self.out.line(where, "Only the group's admins can change its settings.")
            return
        changed = _changed_settings(current, args)
        if isinstance(changed, str):
            await self.out.line(where, changed)
            return
        await self.store.rounds.save_settings(where.chat_id, changed)
        await self.out.line(where, "\n".join(["Saved.", *settings_lines(changed)]))

    async def anonymous(self, actor: Actor, arg: str) -> None:
        """/anonymous [on|off] in private: appear as "Anonymous" in summaries and leaderboards."""
        now_anonymous = actor.user_id in await self.store.rounds.anonymous({actor.user_id})
        wanted = {"on": True, "off": False, "": not now_anonymous}.get(arg.strip().lower())
        if wanted is None:
            await self.out.private(actor.user_id, ["Send /anonymous on or /anonymous off."])
            return
        await self.store.rounds.set_anonymous(actor.user_id, wanted)
        said = (
            "You now appear as “Anonymous” in group summaries and leaderboards (/anonymous off to undo)."
            if wanted
            else "Group summaries and leaderboards now show your first name (/anonymous on to hide it)."
        )
        await self.out.private(actor.user_id, [said])

    # -- helpers ------------------------------------------------------------------------------

    async def _may_lead(
        self, where: Where, actor: Actor, settings: RoundSettings, rnd: Round | None
    ) -> bool:
        """Start (``rnd`` None) or move on a round: admins, class instructors, the
        round's starter; anyone when the group allows it."""
        if actor.admin or settings.starters == "everyone":
            return True
        if rnd is not None and rnd.started_by == actor.user_id:
            return True
        return await self.is_instructor(actor.user_id, where.chat_id)

    async def _status(self, rnd: Round, case: Case) -> None:
        posted = await self.out.status(await self._view(rnd, case))
        if posted and not rnd.status_message:
            await self.store.rounds.set_messages(rnd.id, status=posted, question=posted)

    async def _view(self, rnd: Round, case: Case) -> StatusView:
        """The status as it is now (a later move or the reveal may have happened)."""
        stored = await self.store.rounds.get(rnd.id) or rnd
        if stored.version < rnd.version:
            stored = replace(rnd, status_message=stored.status_message)
        answered = await self.store.rounds.answered(rnd.id)
        token = await self.store.rounds.token_of(rnd.id)
        link = f"https://t.me/{self.bot_username()}?start={token}" if token else ""
        return StatusView(stored, self._tutor(case).title, answered, link)

    def _tutor(self, case: Case) -> Tutor:
        return Tutor(case, self.grader)

    def _published(self, case_id: str) -> Case | None:
        case = self.library.cases.get(case_id)
        return case if case is not None and case.published else None

    def _case_of(self, rnd: Round) -> Case | None:
        return self._case_of_id(rnd.case_id)

    def _case_of_id(self, case_id: str) -> Case | None:
        return self.library.cases.get(case_id)


def _case_and_deadline(args: Sequence[str]) -> tuple[str, timedelta | None, bool]:
    """``/case`` arguments: a case id (or ``next``), a deadline, and whether they made
    sense (a number that is no deadline does not)."""
    wanted, deadline = "", None
    for arg in args:
        duration = parse_deadline(arg)
        if duration is not None:
            deadline = duration
        elif arg[:1].isdigit():
            return "", None, False
        elif not wanted:
            wanted = arg
    return wanted, deadline, True


def _changed_settings(current: RoundSettings, args: Sequence[str]) -> RoundSettings | str:
    words = list(args)
    if len(words) % 2:
        return "Send /groupsettings <setting> <value>, e.g. /groupsettings deadline 2h."
    changed = current
    for name, value in zip(words[::2], words[1::2], strict=True):
        name, value = name.lower(), value.strip()
        if name == "starters" and value.lower() in ("admins", "everyone"):
            changed = replace(changed, starters=value.lower())  # type: ignore[arg-type]
        elif name == "verdict" and value.lower() in ("reveal", "once"):
            changed = replace(changed, verdict_at=value.lower())  # type: ignore[arg-type]
        elif name == "deadline" and parse_deadline(value) is not None:
            duration = parse_deadline(value)
            assert duration is not None
            changed = replace(changed, deadline=duration)
        elif name == "zone" and known_zone(value):
            changed = replace(changed, zone=value)
        else:
            return (
                f"I cannot set {name[:32]} to {value[:40]}: starters admins|everyone, "
                "verdict reveal|once, deadline 30m..7d, zone like Europe/London."
            )
    return changed


__all__ = ["Actor", "ChatGone", "RoundPort", "Rounds", "Where"]
