"""Pushes (a case sent to a class) and their deliveries, one row per (push, chat).

One module for the whole concern (records and interfaces together), so that
:mod:`tutorbot.storage.interfaces` stays a size a reader can hold; the
:class:`~tutorbot.storage.interfaces.Store` carries ``store.pushes`` and
``store.deliveries``.

A push is created with every delivery row and the job that sends them in one
transaction (:meth:`Pushes.create`): a crash either leaves all of it or none
of it. Each delivery goes ``pending`` → ``sending`` (its call is about to go
out) → ``sent`` / ``blocked`` / ``failed``; a row still ``sending`` after a
crash was in flight then, and is sent again (:meth:`Deliveries.requeue_interrupted`):
the one way a chat gets a card twice. Times are timezone-aware and passed in
by the caller.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

#: ``sending`` until every delivery is settled, then ``done``.
PushStatus = Literal["sending", "done"]
#: Where one chat's card is.
DeliveryStatus = Literal["pending", "sending", "sent", "blocked", "failed"]
#: The statuses a delivery ends in.
SETTLED: tuple[DeliveryStatus, ...] = ("sent", "blocked", "failed")


@dataclass(frozen=True)
class NewPush:
    """A push to create: ``case_id`` to class ``class_id``, asked for by user ``by``.

    ``title`` and ``class_name`` are what the card says (the case's spoiler-free
    title, the class's name) as they were when it was pushed; ``token`` is the
    opaque token the card's buttons and links carry. ``origin`` names what asked
    for it (an update, a schedule's slot): creating again with the same origin
    creates nothing, so a slot or a request handled twice pushes once.
    """

    class_id: int
    case_id: str
    title: str
    class_name: str
    token: str
    by: int
    origin: str | None = None
    schedule_id: int | None = None


@dataclass(frozen=True)
class PushRecord:
    """A stored push. ``progress_message`` is the id of the message in ``by``'s chat that
    shows how the broadcast goes (``None`` until it is posted)."""

    id: int
    class_id: int
    case_id: str
    title: str
    class_name: str
    token: str
    by: int
    origin: str | None
    schedule_id: int | None
    status: PushStatus
    progress_message: int | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True)
class Recipient:
    """A chat a push goes to (a student's private chat, a class group) and who it is."""

    chat_id: int
    name: str


@dataclass(frozen=True)
class Delivery:
    """One chat's card of one push.

    ``attempts`` counts tries that failed; ``due`` is when to try (again);
    ``held_since`` is set while the card waits for a learner in the middle of
    another case.
    """

    push_id: int
    chat_id: int
    name: str
    status: DeliveryStatus
    attempts: int
    due: datetime
    last_error: str | None
    sent_at: datetime | None
    held_since: datetime | None


@dataclass(frozen=True)
class DeliveryCounts:
    """How many of a push's deliveries are in each state (``held``: pending ones waiting
    for a learner to finish another case)."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    held: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.sending + self.sent + self.blocked + self.failed

    @property
    def settled(self) -> int:
        return self.sent + self.blocked + self.failed


class Pushes(ABC):
    """Pushes: created with their deliveries and their job, read by class and by token."""

    @abstractmethod
    async def create(
        self, push: NewPush, recipients: Sequence[Recipient], job_kind: str, now: datetime
    ) -> tuple[PushRecord, bool]:
        """Create ``push``, one pending delivery per recipient (due ``now``) and a job of
        ``job_kind`` (payload ``{"push": id}``, due ``now``), in one transaction.

        Returns the push and ``True``; or, when a push with the same ``origin`` exists,
        that push and ``False`` (nothing is created).
        """

    @abstractmethod
    async def get(self, push_id: int) -> PushRecord | None:
        """The push, or ``None``."""

    @abstractmethod
    async def by_token(self, token: str) -> PushRecord | None:
        """The push whose card carries ``token``, or ``None``."""

    @abstractmethod
    async def of_class(self, class_id: int) -> builtins.list[PushRecord]:
        """The class's pushes, oldest first."""

    @abstractmethod
    async def set_progress_message(self, push_id: int, message_id: int) -> None:
        """Remember the message that shows the broadcast's progress."""

    @abstractmethod
    async def finish(self, push_id: int, now: datetime) -> bool:
        """Mark the push ``done``; ``False`` if it was done already."""


class PushDeliveries(ABC):
    """The delivery rows of pushes, one per (push, chat)."""

    @abstractmethod
    async def due(self, push_id: int, now: datetime, limit: int) -> builtins.list[Delivery]:
        """Up to ``limit`` pending deliveries of the push due by ``now``, oldest due first."""

    @abstractmethod
    async def requeue_interrupted(self, push_id: int) -> int:
        """Make deliveries left ``sending`` (in flight when a process died) pending again;
        how many."""

    @abstractmethod
    async def start(self, push_id: int, chat_id: int) -> bool:
        """A pending delivery's call is about to go out: ``sending``. ``False`` if it was
        not pending."""

    @abstractmethod
    async def settle(
        self,
        push_id: int,
        chat_id: int,
        status: DeliveryStatus,
        now: datetime,
        error: str | None = None,
    ) -> None:
        """A delivery ended: ``sent`` (at ``now``), ``blocked`` or ``failed`` (with ``error``)."""

    @abstractmethod
    async def retry(self, push_id: int, chat_id: int, due: datetime, error: str) -> None:
        """A try failed: pending again at ``due``, one more attempt counted, ``error`` kept."""

    @abstractmethod
    async def hold(self, push_id: int, chat_id: int, due: datetime, now: datetime) -> None:
        """The learner is busy with another case: pending again at ``due``, held since
        ``now`` (kept from the first hold), no attempt counted."""

    @abstractmethod
    async def counts(self, push_id: int) -> DeliveryCounts:
        """How many of the push's deliveries are in each state."""

    @abstractmethod
    async def list(
        self, push_id: int, status: DeliveryStatus | None = None
    ) -> builtins.list[Delivery]:
        """The push's deliveries (only those in ``status`` when given), by chat id."""

    @abstractmethod
    async def next_due(self, push_id: int) -> datetime | None:
        """When the push's earliest pending delivery is due, or ``None`` when none is pending."""
