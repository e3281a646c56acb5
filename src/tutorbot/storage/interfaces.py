"""The storage ports: one small interface per concern, and :class:`Store` composing them.

Every backend (SQLite and PostgreSQL) implements these; the contract
tests in ``tests/storage/`` run against each of them through this interface
only.

The central operation is :meth:`Store.apply`: one update, one transaction.
It reads the session, lets a pure function (the tutor engine, wrapped by the
application layer) compute the change, and commits that change together with
the update id, with compare-and-set on the session's ``version``. Several bot
processes may share one database: a redelivered update is ignored and two
processes can never both advance the same session. The per-concern
interfaces read, and write what does not belong to an update.
"""

from __future__ import annotations

import base64
import builtins
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from tutorbot.storage.classes import Classes, ClassGroups, Instructors, Links, Members
from tutorbot.storage.pacing import Pacing
from tutorbot.storage.pushes import PushDeliveries, Pushes
from tutorbot.storage.records import (
    AnswerRecord,
    Applied,
    ApplyFn,
    FinishedCase,
    InboxEntry,
    Job,
    LiveButtons,
    NewJob,
    OutboxEntry,
    OutcomeRegrade,
    Regrade,
    SessionKey,
    SessionRecord,
)
from tutorbot.storage.rounds import Rounds
from tutorbot.storage.schedules import Schedules

R = TypeVar("R")

#: The most characters a token from :meth:`Tokens.put` has.
TOKEN_LENGTH = 22


class Sessions(ABC):
    """Learners' sessions, one per :class:`SessionKey`; :meth:`Store.apply` is the usual writer."""

    @abstractmethod
    async def get(self, key: SessionKey) -> SessionRecord | None:
        """The session for ``key``, or ``None`` (also when it ended)."""

    @abstractmethod
    async def write(
        self,
        key: SessionKey,
        *,
        case_id: str,
        case_version: str,
        state: str,
        expected_version: int,
    ) -> SessionRecord:
        """Write a session if its version is still ``expected_version`` (0: it must not exist).

        Raises :class:`ConflictError` otherwise. :meth:`Store.apply` is the usual way
        in; this is the bare compare-and-set, for tools and tests.
        """

    @abstractmethod
    async def active(self, since: datetime) -> int:
        """How many sessions (not ended) changed at ``since`` or later (for the metrics)."""


class Answers(ABC):
    """Every answer learners typed, as :attr:`Change.answers` recorded them, and its regrades.

    An answer's first grading is never overwritten: a regrade is appended
    beside it, and reads give the latest grading with the first one named.
    """

    @abstractmethod
    async def list(
        self, *, user_id: int | None = None, case_id: str | None = None
    ) -> builtins.list[AnswerRecord]:
        """Every answer kept, oldest first, optionally only one user's or one case's,
        each with its current grading (see :class:`AnswerRecord`)."""

    @abstractmethod
    async def regrade(
        self, regrades: Sequence[Regrade], outcomes: Sequence[OutcomeRegrade] = ()
    ) -> int:
        """Keep ``regrades`` beside their answers and set the finished cases' outcomes
        to ``outcomes``, in one transaction; return how many regrades were kept."""

    @abstractmethod
    async def regrades(self, case_id: str, *, unnotified: bool = False) -> builtins.list[Regrade]:
        """The regrades of ``case_id``'s answers, oldest first (only those whose learner was
        not told yet, with ``unnotified``), each naming its answer's chat, user and text."""

    @abstractmethod
    async def notified(self, regrade_ids: Sequence[int]) -> None:
        """The learners of these regrades were told."""

    @abstractmethod
    async def forget(self, user_id: int) -> int:
        """Delete every answer, regrade and finished case of ``user_id``; how many answers."""


class Progress(ABC):
    """The cases learners finished, as :attr:`Change.finished` recorded them.

    Storage keeps every finish; what counts (the first outcome of a case, a
    streak) is the domain's rule, :func:`tutorbot.tutor.progress.stats_from`.
    """

    @abstractmethod
    async def finished(self, user_id: int) -> list[FinishedCase]:
        """Every case the user finished, oldest first, replays included (outcomes as
        regrades left them)."""

    @abstractmethod
    async def of_case(self, case_id: str) -> list[FinishedCase]:
        """Every finish of ``case_id`` by anyone, oldest first."""


class Users(ABC):
    """Whether each learner still talks to the bot (:meth:`Store.apply` marks them active)."""

    @abstractmethod
    async def set_active(self, user_id: int, active: bool) -> None:
        """Mark a user active (they talk to the bot) or inactive (they blocked it)."""

    @abstractmethod
    async def active(self, user_id: int) -> bool | None:
        """Whether the user is active; ``None`` for a user never seen."""


class Media(ABC):
    """Telegram ``file_id``s per bot and file hash, so each image is uploaded once."""

    @abstractmethod
    async def get(self, bot_id: int, sha256: str) -> str | None:
        """The ``file_id`` this bot got for the file with this hash, or ``None``."""

    @abstractmethod
    async def put(self, bot_id: int, sha256: str, file_id: str) -> None:
        """Remember the ``file_id`` this bot got for a file (replacing any older one)."""

    @abstractmethod
    async def forget(self, bot_id: int, sha256: str) -> None:
        """Forget a ``file_id`` Telegram rejected, so the file is uploaded again."""


class ProcessedUpdates(ABC):
    """The update ids :meth:`Store.apply` has applied, for spotting redeliveries."""

    @abstractmethod
    async def is_processed(self, update_id: int) -> bool:
        """Whether ``update_id`` was applied already."""

    @abstractmethod
    async def prune(self, now: datetime, keep: timedelta) -> int:
        """Forget the processed update ids recorded ``keep`` or more before ``now``; return
        how many.

        By id, with no time kept per id: each call notes the highest id processed so
        far with ``now`` (a watermark), and forgets every id at or below the latest
        watermark noted ``keep`` or more ago, and the watermarks older than that one.
        Telegram numbers a bot's updates in sequence
        (https://core.telegram.org/bots/api#update), so those ids were all processed by
        then; it redelivers an update for at most 24 hours, so a day is plenty. It
        restarts the numbering at random only after a week without updates, when every
        id kept has been forgotten (if this runs at least once in that week).
        """


class Tokens(ABC):
    """Stored payloads behind short tokens, for Telegram callback data over 64 bytes."""

    @abstractmethod
    async def put(self, payload: str) -> str:
        """Store ``payload`` and return its token: URL-safe (``A-Za-z0-9_-``), at most 22 characters.

        The same payload always gets the same token, so storing it again (a
        redelivered update, the same button drawn twice) stores nothing new.
        """

    @abstractmethod
    async def get(self, token: str) -> str | None:
        """The payload stored under ``token``, or ``None`` for a token never issued."""

    @staticmethod
    def token_for(payload: str) -> str:
        """The token every backend issues for ``payload``: its SHA-256 in base64url, cut to 22.

        22 characters carry 132 bits, so two payloads sharing a token is not a
        thing to plan for; a backend still refuses to overwrite one.
        """
        digest = hashlib.sha256(payload.encode("utf-8")).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii")[:TOKEN_LENGTH]


class Jobs(ABC):
    """Durable work with a due time, claimed under a lease so that one runner does each.

    A job is ``pending`` until a runner claims it when due; it is then
    ``running`` under that runner's lease until the runner completes it
    (``done``, or ``pending`` again for a recurring job), fails it (``pending``
    again at a retry time, or ``failed`` when it gives up) or releases it. A
    runner that dies leaves the job ``running``; once its lease expires,
    :meth:`claim` hands the job to another runner. Only the lease's owner may
    complete, fail or release a job, so a runner that lost its lease cannot
    overwrite what the new owner did; an owner whose lease expired still holds
    the job until another runner claims it.

    Times are timezone-aware; callers pass ``now`` (from their clock), so the
    store never reads the time to decide what is due.
    """

    @abstractmethod
    async def add(self, job: NewJob) -> int:
        """Add a job and return its id.

        With a ``key``: while a job with that key is live (pending or running)
        adding it again adds nothing and returns the live job's id, so a
        schedule registered at every start-up keeps one job and its id. Once
        that job is done or has failed for good the key is free again: a
        housekeeping job that gave up comes back at the next start-up. Work
        that must happen once whatever its outcome relies on its handler being
        idempotent, as every handler must be.
        """

    @abstractmethod
    async def claim(self, owner: str, now: datetime, lease: timedelta, limit: int = 1) -> list[Job]:
        """Claim up to ``limit`` jobs for ``owner``, oldest due first, and return them.

        Claims pending jobs due by ``now`` and running jobs whose lease expired
        before ``now`` (their runner died), setting them ``running`` under
        ``owner`` until ``now + lease`` and counting an attempt. Atomic: two
        runners never both claim one job.
        """

    @abstractmethod
    async def complete(self, job_id: int, owner: str, *, next_due: datetime | None = None) -> bool:
        """Mark a job ``owner`` holds done; with ``next_due``, pending again then, attempts reset.

        Returns ``False`` (and changes nothing) if ``owner`` no longer holds it.
        """

    @abstractmethod
    async def fail(self, job_id: int, owner: str, error: str, *, retry_at: datetime | None) -> bool:
        """Record ``error`` for a job ``owner`` holds: pending again at ``retry_at``, or ``failed``.

        ``retry_at=None`` gives up. Returns ``False`` (and changes nothing) if
        ``owner`` no longer holds it.
        """

    @abstractmethod
    async def release(self, owner: str) -> int:
        """Make the jobs ``owner`` holds pending again (a graceful stop); return how many."""

    @abstractmethod
    async def counts(self, now: datetime) -> dict[str, int]:
        """How many jobs are ``due`` (pending, due by ``now``), ``running`` and ``failed``
        (given up on), each key always present (for the metrics)."""

    @abstractmethod
    async def get(self, job_id: int) -> Job | None:
        """The job with this id, or ``None``."""


class Outbox(ABC):
    """Replies kept until they are sent, and the sent messages whose buttons are still live.

    :meth:`Store.apply` adds an entry (:attr:`Change.outbox`) in the transaction
    of the change it answers, so a reply is never lost between a commit and its
    send. A sender claims a session's entries under a lease (one sender at a
    time per session, so nothing is sent twice by two processes), sends them
    oldest first, records each message sent (:meth:`progress`) and removes the
    entry once all of it went out (:meth:`delivered`); one it could not send
    it reschedules. Entries of one session go out in order: :meth:`claim`
    gives all of them or none.

    Live buttons: the sent messages that still carry inline buttons, so that a
    front end can take them off once they are stale. Times are timezone-aware
    and passed in by the caller.
    """

    @abstractmethod
    async def pending(self, key: SessionKey) -> list[OutboxEntry]:
        """Every entry of ``key`` not yet delivered, oldest first."""

    @abstractmethod
    async def claim(
        self, key: SessionKey, owner: str, now: datetime, lease: timedelta
    ) -> list[OutboxEntry]:
        """Claim every entry of ``key`` for ``owner`` until ``now + lease``, oldest first.

        Due or not (a learner who writes is a good moment to try again). Returns
        ``[]`` when there is none, or when another owner's lease on any of them
        has not expired: that owner sends them, in order.
        """

    @abstractmethod
    async def due(
        self, now: datetime, limit: int = 100, *, by: datetime | None = None
    ) -> list[SessionKey]:
        """Sessions whose oldest entry is due by ``by`` (default: ``now``) and not leased
        at ``now``; oldest due first."""

    @abstractmethod
    async def progress(
        self, entry_id: int, owner: str, sent_parts: int, buttons: Sequence[int] = ()
    ) -> bool:
        """Record that ``sent_parts`` messages of an entry ``owner`` holds went out, and the
        ids of those among them that carry buttons. ``False`` if ``owner`` does not hold it."""

    @abstractmethod
    async def delivered(self, entry_id: int, owner: str, buttons: Sequence[int] = ()) -> bool:
        """Remove an entry ``owner`` holds, all of it sent; remember ``buttons`` (message
        ids) as live at its version. ``False`` (nothing changed) if ``owner`` does not hold it."""

    @abstractmethod
    async def reschedule(
        self,
        entry_id: int,
        owner: str,
        due: datetime,
        error: str,
        *,
        body: str | None = None,
    ) -> bool:
        """Release an entry ``owner`` holds after a failed try: count the attempt, keep
        ``error``, try again at ``due``; the later entries of its session, which wait
        behind it, are released too. With ``body`` the entry is replaced (its messages
        start again from the first): a writer giving up on a reply sends a notice instead.
        ``False`` if ``owner`` does not hold it."""

    @abstractmethod
    async def drop(self, key: SessionKey) -> int:
        """Forget every entry and live button of ``key`` (the chat is gone); how many entries."""

    @abstractmethod
    async def live_buttons(self, key: SessionKey) -> list[LiveButtons]:
        """The messages of ``key`` that still carry buttons, oldest first."""

    @abstractmethod
    async def buttons_removed(self, key: SessionKey, message_ids: Sequence[int]) -> None:
        """These messages of ``key`` carry no buttons any more."""

    @abstractmethod
    async def owners(self) -> list[str]:
        """The owners holding a lease on some entry (expired or not)."""

    @abstractmethod
    async def release(self, owner: str) -> int:
        """Give up ``owner``'s leases (a graceful stop, or an owner known to be dead)."""


class Inbox(ABC):
    """Updates received but not yet handled, so that a crash in between loses none.

    A front end adds an update before it confirms receipt to Telegram and
    marks it done once handled; whatever is left after a crash is handled
    again at start-up (:meth:`Store.apply` recognises what was already applied).
    """

    @abstractmethod
    async def add(self, update_id: int, body: str, owner: str, now: datetime) -> bool:
        """Keep an update ``owner`` received; ``False`` if it is kept already (in hand)."""

    @abstractmethod
    async def done(self, update_id: int) -> None:
        """The update was handled (or given up on): forget it."""

    @abstractmethod
    async def waiting(self) -> list[InboxEntry]:
        """Every update kept, in update id order."""

    @abstractmethod
    async def take(self, update_id: int, owner: str) -> InboxEntry | None:
        """Hand a kept update to ``owner`` to handle again, counting the delivery;
        ``None`` if it is gone (handled meanwhile)."""


class Store(ABC):
    """Every concern's repository, and the unit of work that writes an update across them.

    Use :func:`tutorbot.storage.open_store` to get one; ``await store.close()``
    (or ``async with``) when done.
    """

    sessions: Sessions
    answers: Answers
    progress: Progress
    users: Users
    media: Media
    updates: ProcessedUpdates
    tokens: Tokens
    jobs: Jobs
    outbox: Outbox
    inbox: Inbox
    instructors: Instructors
    classes: Classes
    members: Members
    groups: ClassGroups
    links: Links
    rounds: Rounds
    pushes: Pushes
    deliveries: PushDeliveries
    schedules: Schedules
    pacing: Pacing
    #: How many schema migrations opening this store ran (0: the schema was current).
    migrations_run: int = 0

    @abstractmethod
    async def apply(
        self, update_id: int | None, key: SessionKey, fn: ApplyFn[R], *, attempts: int = 5
    ) -> Applied[R]:
        """Apply one update to one session in one transaction.

        If ``update_id`` was processed before, return ``Applied(duplicate=True)``
        with the current session, without calling ``fn``. Otherwise read the session for ``key`` (or
        ``None``), call ``fn`` with it, and commit atomically: the session write
        with compare-and-set on its version, the reply kept in the outbox (see
        :attr:`Change.outbox`), the answers, the finished cases, the jobs, the
        user marked active, and ``update_id`` marked processed. On a conflict
        (another process wrote the session in between) re-read and call ``fn``
        again, up to ``attempts`` times, then raise :class:`ConflictError`.
        ``update_id=None`` applies without duplicate detection.
        """

    @abstractmethod
    async def rows_about(self, user_id: int) -> dict[str, list[dict[str, object]]]:
        """Every stored row that names ``user_id`` (see
        :data:`tutorbot.storage.personal.PERSONAL_DATA`), per ``table.column``; values as
        JSON takes them (times as ISO text, flags as the backend keeps them)."""

    @abstractmethod
    async def schema_version(self) -> int:
        """The schema version of the open database (the number of migrations applied)."""

    @abstractmethod
    async def close(self) -> None:
        """Release the connection; the store is unusable afterwards."""

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
