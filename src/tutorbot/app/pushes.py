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
from tutorbot.app.replies import Choice, NotNow, Say, StartPush
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
        return await self.play.open(key, update_id, push.case_id)

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
