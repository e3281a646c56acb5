"""Pushes: a case sent to a class's students and groups, what their cards say and do.

:func:`create_push` stores the push, one delivery row per chat and the
broadcast job that sends them (:mod:`tutorbot.app.broadcast`), in one
transaction. A card's buttons and links carry the push's opaque token, never
the case id (a case's id can name its diagnosis); :class:`PushCards` answers
them: Start opens the case in the learner's own session (asking first when
another case is in progress), Not now puts the card aside, and the final
report's button lists, for the push's instructor only, who was not reached.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tutorbot.app.classes import Classroom
from tutorbot.app.instructors import Refusal
from tutorbot.app.play import Play, Result
from tutorbot.app.ports import Clock
from tutorbot.app.replies import Choice, NotNow, PushFlow, Say, StartPush
from tutorbot.cases import Case
from tutorbot.storage import (
    ClassRecord,
    Delivery,
    NewPush,
    PushRecord,
    Recipient,
    SessionKey,
    Store,
)

#: The job kind of a broadcast (handled by :class:`tutorbot.app.broadcast.Broadcaster`).
BROADCAST = "pushes.broadcast"
#: The prefix of a push's token in a deep link: a capital and an underscore, which no case
#: id has (case ids are lower-case letters, digits and hyphens).
TOKEN_PREFIX = "P_"
#: Random bytes in a push's token (128 bits; 22 characters of base64url).
TOKEN_BYTES = 16

GONE = "This card is no longer valid."
CASE_GONE = "That case is no longer available; /cases lists the ones that are."
LATER = "Fine: it will wait in /cases whenever you want it."
NOT_YOURS = "Only the instructor who pushed this case can see that."
EMPTY_CLASS = "{name} has no students or groups yet: share its join link first."


def new_token() -> str:
    """A fresh opaque token for a push's card (what its buttons and links carry)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def push_payload(token: str) -> str:
    """The deep-link ``start`` payload for a push (within Telegram's 64 ``A-Za-z0-9_-``)."""
    return TOKEN_PREFIX + token


def token_of_payload(payload: str) -> str | None:
    """The push token in a deep-link payload, or ``None`` if it is not a push's."""
    if payload.startswith(TOKEN_PREFIX) and len(payload) > len(TOKEN_PREFIX):
        return payload[len(TOKEN_PREFIX) :]
    return None


def card(push: PushRecord) -> Say:
    """The card a student gets in their private chat."""
    return Say(
        "push_card",
        (f"Case of the week from {push.class_name}: {push.title}",),
        (
            Choice("▶ Start", StartPush(push.token), row="card"),
            Choice("Not now", NotNow(push.token), row="card"),
        ),
    )


def group_card(push: PushRecord, link: str) -> Say:
    """The card a class group gets: each member plays it in their own private chat."""
    return Say(
        "push_group_card",
        (
            f"Case of the week from {push.class_name}: {push.title}",
            f"Play it in a private chat with me: {link}",
        ),
    )


async def push_case(
    store: Store,
    classroom: Classroom,
    cls: ClassRecord,
    case: Case,
    title: str,
    by: int,
    now: datetime,
    *,
    origin: str | None = None,
    schedule_id: int | None = None,
) -> tuple[PushRecord, bool]:
    """Push ``case`` (shown as ``title``) to the class's students and live groups now.

    :class:`Refusal` when the class has nobody to push to. ``False`` with the push
    that exists when ``origin`` pushed already.
    """
    members = await classroom.recipients(cls.id)
    groups = await classroom.groups(cls.id)
    recipients = [Recipient(m.user_id, m.name) for m in members]
    recipients += [Recipient(g.chat_id, g.title) for g in groups]
    if not recipients:
        raise Refusal(EMPTY_CLASS.format(name=cls.name))
    push = NewPush(cls.id, case.id, title, cls.name, new_token(), by, origin, schedule_id)
    return await create_push(store, push, recipients, now)


async def current_push(store: Store, published: Sequence[str], class_id: int) -> PushRecord | None:
    """The class's latest push whose case is still published (what a student who joins now
    is offered), or ``None``."""
    for push in reversed(await store.pushes.of_class(class_id)):
        if push.case_id in published:
            return push
    return None


async def create_push(
    store: Store, push: NewPush, recipients: Sequence[Recipient], now: datetime
) -> tuple[PushRecord, bool]:
    """Store a push, its deliveries and its broadcast job (one transaction); ``False`` when a
    push with the same origin existed (nothing new was created)."""
    return await store.pushes.create(push, recipients, BROADCAST, now)


def not_reached(push: PushRecord, rows: Sequence[Delivery]) -> Say:
    """Who a push did not reach, and why (for the report's button)."""
    lines = [f"Not reached by “{push.title}”:"]
    for row in rows:
        why = "blocked the bot" if row.status == "blocked" else f"failed ({row.last_error})"
        lines.append(f"• {row.name}: {why}")
    if len(lines) == 1:
        lines.append("Nobody: every card was delivered.")
    return Say("push_not_reached", tuple(lines))


@dataclass(frozen=True)
class Toast:
    """A short note on the pressed button, and nothing else."""

    text: str


class PushCards:
    """What a push card's buttons and deep link do (see the module's docstring)."""

    def __init__(self, store: Store, play: Play, clock: Clock) -> None:
        self.store = store
        self.play = play
        self.clock = clock

    async def start(self, key: SessionKey, update_id: int | None, token: str) -> Result | Toast:
        """Start (or the card's deep link): open the pushed case in the learner's own session."""
        push = await self.store.pushes.by_token(token)
        if push is None:
            return Toast(GONE)
        case = self.play.library.cases.get(push.case_id)
        if case is None or not case.published:
            return Toast(CASE_GONE)
        return await self.play.open(key, update_id, push.case_id, source=f"push:{push.id}")

    async def not_reached(
        self, key: SessionKey, update_id: int | None, token: str
    ) -> Result | Toast:
        """The report's button: who was not reached, for the push's instructor only."""
        push = await self.store.pushes.by_token(token)
        if push is None:
            return Toast(GONE)
        if key.user_id != push.by:
            return Toast(NOT_YOURS)
        rows = [
            *await self.store.deliveries.list(push.id, "blocked"),
            *await self.store.deliveries.list(push.id, "failed"),
        ]
        return await self.play.tell(key, update_id, not_reached(push, rows))


# -- an instructor's /push ------------------------------------------------------------------

NO_CLASSES = "You have no classes yet: /newclass <name> makes one."
FLOW_GONE = "That choice has expired: send /push again."
NO_CASE = "I have no case called {case_id!r}; /push without a case lists them."
#: The most cases offered as buttons (the rest: /push <case-id>).
CASE_BUTTONS = 30


class PushDesk:
    """An instructor's /push: the class, then the case, then a preview of exactly what
    students get, then Send or Cancel. Every step checks the user teaches the class; a
    step's buttons carry a stored token, never the case id.

    Sending the same case to the same class again on the same day sends nothing new
    (a double tap on Send, or a preview sent twice, pushes once).
    """

    def __init__(self, store: Store, classroom: Classroom, play: Play, clock: Clock) -> None:
        self.store = store
        self.classroom = classroom
        self.play = play
        self.clock = clock

    async def begin(self, user: int, wanted: str = "") -> Say:
        """/push, or /push <case-id>: the class choice (or, with one class, the next step)."""
        await self.classroom.roster.require(user)
        classes = await self.classroom.classes_of(user)
        if not classes:
            raise Refusal(NO_CLASSES)
        if wanted:
            self._case(wanted)
        if len(classes) == 1:
            return await self._after_class(classes[0], wanted)
        choices = [
            Choice(cls.name, PushFlow("class", await self._token(cls.id, wanted)))
            for cls in classes
        ]
        return Say("push_classes", ("Push a case to which class?",), tuple(choices))

    async def press(self, user: int, step: str, token: str) -> Say:
        """A button of the flow; :class:`Refusal` for one that expired or is not theirs."""
        payload = await self.store.tokens.get(token)
        if payload is None or not payload.startswith("push|"):
            raise Refusal(FLOW_GONE)
        _, class_id, case_id = payload.split("|", 2)
        cls = await self.classroom.mine(user, int(class_id))
        if cls.archived:
            raise Refusal(f"{cls.name} is archived: bring it back before pushing to it.")
        if step == "class":
            return await self._after_class(cls, case_id)
        if step == "cancel":
            return Say("push_cancelled", ("Cancelled: nothing was sent.",))
        case = self._case(case_id)
        if step == "case":
            return await self._preview(cls, case, token)
        if not case.published:
            raise Refusal(f"{case.title} is a draft: publish it before pushing it.")
        origin = f"desk:{token}:{self.clock.now():%Y-%m-%d}"
        push, created = await push_case(
            self.store,
            self.classroom,
            cls,
            case,
            self.play.learner_title(case),
            user,
            self.clock.now(),
            origin=origin,
        )
        if not created:
            return Say("push_again", (f"“{case.title}” went to {cls.name} today already.",))
        total = (await self.store.deliveries.counts(push.id)).total
        return Say(
            "push_started",
            (f"Sending “{case.title}” to {total} chats of {cls.name}. Progress follows here.",),
        )

    async def _after_class(self, cls: ClassRecord, wanted: str) -> Say:
        if wanted:
            return await self._preview(cls, self._case(wanted), await self._token(cls.id, wanted))
        cases = [c for c in self.play.library.cases.values() if c.published]
        cases += [c for c in self.play.library.cases.values() if not c.published]
        choices = []
        for case in cases[:CASE_BUTTONS]:
            label = case.title if case.published else f"{case.title} (draft: preview only)"
            choices.append(Choice(label, PushFlow("case", await self._token(cls.id, case.id))))
        lines = [f"Which case for {cls.name}?"]
        if len(cases) > CASE_BUTTONS:
            lines.append("Not listed? /push <case-id>.")
        return Say("push_cases", tuple(lines), tuple(choices))

    async def _preview(self, cls: ClassRecord, case: Case, token: str) -> Say:
        students = len(await self.classroom.recipients(cls.id))
        groups = len(await self.classroom.groups(cls.id))
        lines = [
            f"Preview: {students} student(s) and {groups} group(s) of {cls.name} get this card:",
            f"Case of the week from {cls.name}: {self.play.learner_title(case)}",
            "[▶ Start] [Not now]",
        ]
        cancel = Choice("Cancel", PushFlow("cancel", token), row="go")
        if not case.published:
            lines.append("This case is a draft: only you see this preview; publish it to push it.")
            return Say("push_preview", tuple(lines), (cancel,))
        if not students and not groups:
            lines.append(EMPTY_CLASS.format(name=cls.name))
            return Say("push_preview", tuple(lines), (cancel,))
        return Say(
            "push_preview",
            tuple(lines),
            (Choice("Send", PushFlow("send", token), row="go"), cancel),
        )

    def _case(self, case_id: str) -> Case:
        case = self.play.library.cases.get(case_id)
        if case is None:
            raise Refusal(NO_CASE.format(case_id=case_id))
        return case

    async def _token(self, class_id: int, case_id: str) -> str:
        return await self.store.tokens.put(f"push|{class_id}|{case_id}")
