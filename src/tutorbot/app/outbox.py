"""The outbox as use cases: every reply kept, exactly, until it is sent; what becomes of it.

:class:`~tutorbot.app.play.Play` keeps each reply in the outbox in the same
transaction as the change it answers (:func:`encode_reply`), so a crash, an
outage or a redelivered update never loses it. A front end then claims a
session's replies (:meth:`Deliveries.claim`), sends them oldest first,
records each message sent, and reports how it went; :meth:`Deliveries.due`
names the sessions with replies to send again (after a restart, after an
outage).

Why the reply is kept as the application's own data and not as rendered
messages: the reply is plain frozen dataclasses (the tutor's actions and
:class:`~tutorbot.app.replies.Say`), so it is kept without knowing any front
end, and rendering it again at the version kept with it gives the very same
messages and buttons (rendering is a pure function of the reply and the
version). A body this release cannot read (a rollback after an upgrade) is
not lost either: the learner is shown the step they are at.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import types
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePath
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from tutorbot.app.ports import Clock
from tutorbot.app.replies import Reply, Say
from tutorbot.storage import LiveButtons, OutboxEntry, SessionKey, Store
from tutorbot.tutor.actions import Action

log = logging.getLogger(__name__)

#: The body format; a reader refuses other versions (and shows the current step instead).
FORMAT = 1
#: The code of the notice said in place of a reply that could not be sent.
UNDELIVERABLE = "undeliverable"
#: Said in place of a reply that cannot be sent (Telegram refused it, an image is missing):
#: sending it again cannot help.
REFUSED = "Sorry, one of my replies could not be sent. Send /start to see where you are."
#: Said in place of a reply that could not be sent for too long (see ``give_up_after``).
TOO_LATE = (
    "Sorry, I could not reach you for a while, so one of my replies was lost. "
    "Send /start to see where you are."
)


class BodyError(ValueError):
    """An outbox body this release cannot read."""


# -- the codec -------------------------------------------------------------------------------


def encode_reply(reply: Reply) -> str:
    """The reply as an outbox body (JSON); the toast is not kept (it is answered at once)."""
    kept = dataclasses.replace(reply, toast=None)
    return json.dumps({"v": FORMAT, "reply": _plain(kept)}, ensure_ascii=False)


def step_body(case_id: str, state: str) -> str:
    """A body that shows the step a session of ``case_id`` was at (``state``, as stored).

    The previous release kept only a flag for a lost reply; migration 4 of the
    SQLite schema writes this body for it.
    """
    return json.dumps({"v": FORMAT, "step": {"case_id": case_id, "state": state}})


def decode_body(body: str) -> Reply | tuple[str, str]:
    """The reply kept in ``body``, or ``(case_id, state)`` for a step body; raises BodyError."""
    try:
        data = json.loads(body)
        if not isinstance(data, dict) or data.get("v") != FORMAT:
            raise BodyError(f"unknown outbox body format {data.get('v')!r}")
        if "step" in data:
            step = data["step"]
            return str(step["case_id"]), str(step["state"])
        reply = _build(data["reply"], Reply)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise BodyError(f"unreadable outbox body: {error}") from None
    assert isinstance(reply, Reply)
    return reply


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        data = {f.name: _plain(getattr(value, f.name)) for f in fields(value) if f.init}
        return {"@": type(value).__name__, **data}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, PurePath):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot keep {type(value).__name__} in the outbox")


def _build(data: Any, hint: Any) -> Any:
    """``data`` read back as ``hint`` (a dataclass, a union, a tuple, a list, a literal ...)."""
    origin = get_origin(hint)
    if hint is Any:
        return data
    if origin in (Union, types.UnionType):
        options = get_args(hint)
        if data is None and type(None) in options:
            return None
        if isinstance(data, dict):
            return _object(data, [o for o in options if is_dataclass(o)])
        for option in options:
            if option is not type(None):
                try:
                    return _build(data, option)
                except (TypeError, ValueError):
                    continue
        raise ValueError(f"{data!r} is none of {options}")
    if origin is Literal:
        if data not in get_args(hint):
            raise ValueError(f"{data!r} is not one of {get_args(hint)}")
        return data
    if origin in (tuple, list):
        if not isinstance(data, list):
            raise TypeError(f"expected a list, got {data!r}")
        args = get_args(hint)
        item = args[0] if args else Any
        items = [_build(element, item) for element in data]
        return tuple(items) if origin is tuple else items
    if isinstance(hint, type) and is_dataclass(hint):
        return _object(data, [hint])
    if hint in (Path, PurePath):
        return Path(_checked(data, str))
    if hint is float:
        return float(_checked(data, int | float))
    if hint in (str, int, bool):
        return _checked(data, hint)
    if hint is type(None) and data is None:
        return None
    raise TypeError(f"cannot read {hint!r} from the outbox")


def _object(data: Any, expected: Sequence[Any]) -> Any:
    if not isinstance(data, dict):
        raise TypeError(f"expected an object, got {data!r}")
    by_name = {cls.__name__: cls for cls in expected}
    cls = by_name.get(data.get("@", ""))
    if cls is None:
        raise ValueError(f"{data.get('@')!r} is none of {sorted(by_name)}")
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls) if f.init}
    unknown = set(data) - known - {"@"}
    if unknown:
        raise ValueError(f"{cls.__name__} has no field(s) {sorted(unknown)}")
    return cls(**{name: _build(value, hints[name]) for name, value in data.items() if name != "@"})


def _checked(data: Any, kind: Any) -> Any:
    if isinstance(data, bool) and kind is not bool:
        raise TypeError(f"expected {kind}, got {data!r}")
    if not isinstance(data, kind):
        raise TypeError(f"expected {kind}, got {data!r}")
    return data


# -- the use cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Parcel:
    """A kept reply ready to send: the entry (its version, how many of its messages went
    out) and the reply itself."""

    entry: OutboxEntry
    reply: Reply


#: The step a session of a case was at (its id, its state as stored), as actions to show:
#: :meth:`tutorbot.app.play.Play.lost_step`.
ShowStep = Callable[[str, str], list[Action]]


class Deliveries:
    """The outbox's use cases for one sender (``owner``: a name unique to this process).

    ``show_step`` reads a step body (:func:`step_body`) back as actions.

    ``lease``: how long a claim holds a session's replies (longer than any send
    with its retries); ``backoff``: the wait before the first retry of a reply
    that could not be sent, doubled after each failure up to ``max_backoff``;
    after ``give_up_after`` of failures the reply is replaced by a short notice
    that says so (:data:`TOO_LATE`). A reply Telegram refuses outright is
    replaced at once (:data:`REFUSED`).
    """

    def __init__(
        self,
        store: Store,
        show_step: ShowStep,
        clock: Clock,
        owner: str,
        *,
        lease: timedelta = timedelta(minutes=2),
        backoff: timedelta = timedelta(seconds=5),
        max_backoff: timedelta = timedelta(minutes=1),
        give_up_after: timedelta = timedelta(hours=24),
    ) -> None:
        self.store = store
        self.show_step = show_step
        self.clock = clock
        self.owner = owner
        self.lease = lease
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.give_up_after = give_up_after

    async def claim(self, key: SessionKey, known: Sequence[tuple[int, Reply]] = ()) -> list[Parcel]:
        """The session's kept replies, oldest first, claimed for this sender; ``[]`` when
        there is none or another sender holds them. ``known``: replies in hand by entry id
        (read from the outbox only when not)."""
        entries = await self.store.outbox.claim(key, self.owner, self.clock.now(), self.lease)
        in_hand = dict(known)
        return [
            Parcel(entry, in_hand.get(entry.id) or await self._read(entry)) for entry in entries
        ]

    async def due(self, limit: int = 50) -> list[SessionKey]:
        """Sessions with a kept reply due to be sent (a restart, a retry after an outage)."""
        return await self.store.outbox.due(self.clock.now(), limit)

    async def kept(self, limit: int = 50, skip: Collection[SessionKey] = ()) -> list[SessionKey]:
        """Sessions with kept replies not held by another sender, due or not, leaving out
        ``skip``: what a sender starting up delivers first."""
        whenever = datetime.max.replace(tzinfo=UTC)
        keys = await self.store.outbox.due(self.clock.now(), limit + len(skip), by=whenever)
        return [key for key in keys if key not in skip][:limit]

    async def progress(self, parcel: Parcel, sent_parts: int, buttons: Sequence[int]) -> bool:
        """``sent_parts`` messages of the reply went out; ``buttons``: those of them with buttons."""
        return await self.store.outbox.progress(parcel.entry.id, self.owner, sent_parts, buttons)

    async def delivered(self, parcel: Parcel, buttons: Sequence[int]) -> bool:
        """All of the reply went out (``buttons``: its last messages that carry buttons)."""
        return await self.store.outbox.delivered(parcel.entry.id, self.owner, buttons)

    async def failed(self, parcel: Parcel, error: str, *, refused: bool) -> None:
        """A try failed: retry later with backoff, or put a notice in the reply's place
        (``refused``: Telegram will never take it; or it failed for ``give_up_after``)."""
        entry, now = parcel.entry, self.clock.now()
        notice = any(say.code == UNDELIVERABLE for say in parcel.reply.says)
        if refused and notice:  # the notice itself cannot go: nothing more to try
            log.error("Giving up on telling %s about a lost reply: %s", entry.key, error)
            await self.store.outbox.delivered(entry.id, self.owner)
        elif refused or (not notice and now - entry.created_at >= self.give_up_after):
            log.warning("Gave up on a reply to %s (%s); a notice goes instead", entry.key, error)
            said = Say(UNDELIVERABLE, (REFUSED if refused else TOO_LATE,))
            body = encode_reply(Reply([said]))
            await self.store.outbox.reschedule(entry.id, self.owner, now, error, body=body)
        else:  # an outage: try again later (a notice too: it is all the learner will get)
            retry_at = now + self.retry_delay(entry.attempts + 1)
            await self.store.outbox.reschedule(entry.id, self.owner, retry_at, error)

    def retry_delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed try."""
        return min(self.backoff * (1 << min(max(attempts - 1, 0), 20)), self.max_backoff)

    async def unreachable(self, key: SessionKey) -> None:
        """The chat blocked the bot or is gone: its kept replies and buttons are forgotten."""
        dropped = await self.store.outbox.drop(key)
        if dropped:
            log.info("Forgot %d reply(ies) to %s, who cannot be reached", dropped, key)

    async def stale_buttons(self, key: SessionKey, latest: Parcel) -> list[int]:
        """The messages whose buttons should go now that ``latest`` was sent.

        Only the live step keeps buttons: a message whose buttons carry another
        version is answered or superseded; and when ``latest`` brought buttons of
        its own, every older message's buttons go (the newest message is the
        one to act on). Buttons at ``latest``'s version stay when it brought none
        (a /help in the middle of a step leaves the step's button).
        """
        live = await self.store.outbox.live_buttons(key)
        return stale(live, latest.entry.id, latest.entry.version)

    async def buttons_removed(self, key: SessionKey, message_ids: Sequence[int]) -> None:
        await self.store.outbox.buttons_removed(key, message_ids)

    async def release_owners(self, gone: Callable[[str], bool]) -> int:
        """Release the leases of senders ``gone`` says are dead (their process is gone), so
        that their replies go out at once rather than when the lease runs out."""
        released = 0
        for owner in await self.store.outbox.owners():
            if owner != self.owner and gone(owner):
                released += await self.store.outbox.release(owner)
        return released

    async def release(self) -> int:
        """Give up this sender's leases (a graceful stop)."""
        return await self.store.outbox.release(self.owner)

    async def _read(self, entry: OutboxEntry) -> Reply:
        try:
            kept = decode_body(entry.body)
        except BodyError as error:
            log.warning("Outbox entry %d: %s; showing the step instead", entry.id, error)
            session = await self.store.sessions.get(entry.key)
            kept = (session.case_id, session.state) if session else ("", "")
        if isinstance(kept, Reply):
            return kept
        return Reply(actions=self.show_step(*kept))


def stale(live: Sequence[LiveButtons], latest: int, version: int) -> list[int]:
    """See :meth:`Deliveries.stale_buttons`: the message ids whose buttons go after the
    entry ``latest`` at ``version`` was sent."""
    brought = any(buttons.outbox_id == latest for buttons in live)
    return [
        buttons.message_id
        for buttons in live
        if buttons.outbox_id != latest and (brought or buttons.version != version)
    ]


__all__ = [
    "BodyError",
    "Deliveries",
    "Parcel",
    "decode_body",
    "encode_reply",
    "stale",
    "step_body",
]
