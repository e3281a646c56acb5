"""The plain records storage reads and writes, and what :meth:`Store.apply` takes and gives.

Frozen dataclasses with no behaviour of their own beyond checking their values:
every backend stores exactly these, and the rules about them (how finished
cases add up, what a session's state means) belong to the domain.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from tutorbot.tutor.progress import CaseOutcome

R = TypeVar("R")

#: Where a job is: waiting for its due time, claimed by a runner (under a lease),
#: finished, or given up on.
JobStatus = Literal["pending", "running", "done", "failed"]


@dataclass(frozen=True)
class SessionKey:
    """Who a session belongs to: chat, forum topic (0 when none) and user."""

    chat_id: int
    thread_id: int
    user_id: int


@dataclass(frozen=True)
class SessionRecord:
    """A stored session: the engine's state JSON and the case it is about.

    ``version`` starts at 1 and grows by one with every write; writers pass the
    version they read and the write fails with :class:`ConflictError` if it moved.
    """

    key: SessionKey
    case_id: str
    case_version: str
    state: str
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class AnswerRecord:
    """One attempt: an answer a learner typed, as graded against one version of a case.

    ``name`` is the learner's display name as Telegram showed it with this answer;
    ``attempt`` counts the graded answers of that play of the case (1 = first);
    ``hints`` is how many hints the learner had seen before it; ``seconds`` the
    time since the case was opened; ``source`` where the play came from
    (``push:<id>``, ``round:<id>``, or empty for a case the learner opened
    themselves). Answers stored before these were kept have ``None`` (and empty
    strings): not known.

    Read back, ``id`` is the stored answer's id; ``verdict``, ``score`` and
    ``matched`` are the current grading (the latest regrade's, if any), and
    ``first_verdict`` the verdict it was first given when a regrade changed it
    (``None``: never changed). The stored first grading is never overwritten.
    """

    chat_id: int
    user_id: int
    case_id: str
    case_version: str
    answer: str
    verdict: str
    score: float
    matched: str | None
    at: datetime | None = None
    name: str = ""
    attempt: int | None = None
    hints: int | None = None
    seconds: float | None = None
    source: str = ""
    id: int | None = None
    first_verdict: str | None = None


@dataclass(frozen=True)
class Regrade:
    """A stored answer graded again against a newer version of its case, kept beside it.

    ``by`` names who changed the case (``telegram:<user id>``, ``terminal``, or
    ``hand edit``); ``before`` and ``after`` are the verdicts. Read back, ``id``
    is set, and ``chat_id``, ``user_id``, ``answer`` and ``notified`` (the
    learner was told) describe the answer it regraded.
    """

    answer_id: int
    case_version: str
    before: str
    after: str
    score: float
    matched: str | None
    by: str
    at: datetime | None = None
    id: int | None = None
    chat_id: int = 0
    user_id: int = 0
    answer: str = ""
    notified: bool = False


@dataclass(frozen=True)
class OutcomeRegrade:
    """A finished case whose outcome a regrade changed (the first outcome stays stored)."""

    finish_id: int
    after: CaseOutcome


@dataclass(frozen=True)
class FinishedCase:
    """A case a learner finished, and how (every time: the domain decides what counts)."""

    user_id: int
    case_id: str
    case_version: str
    outcome: CaseOutcome
    at: datetime | None = None
    # Read back: the stored row's id, and the outcome it first had when a regrade changed it.
    id: int | None = None
    first_outcome: CaseOutcome | None = None


@dataclass(frozen=True)
class NewJob:
    """Work to do at ``due`` (timezone-aware): a ``kind`` that names its handler, and its payload.

    ``payload`` must be JSON-serialisable; it comes back as a ``dict``. ``key``,
    when given, names the job so that adding it again adds nothing while it is
    live (pending or running): see :meth:`Jobs.add`.
    """

    kind: str
    payload: Mapping[str, Any]
    due: datetime
    key: str | None = None

    def __post_init__(self) -> None:
        if self.due.tzinfo is None:
            raise ValueError(f"a job's due time must be timezone-aware, not {self.due}")
        if not self.kind:
            raise ValueError("a job needs a kind")


@dataclass(frozen=True)
class Job:
    """A stored job, as :meth:`Jobs.claim` and :meth:`Jobs.get` return it.

    ``attempts`` counts how many times it was claimed (reset when a recurring
    job is scheduled again); ``lease_owner`` and ``lease_until`` name the runner
    that holds it while it is ``running``; ``last_error`` is the latest failure's
    message.
    """

    id: int
    kind: str
    payload: dict[str, Any]
    due: datetime
    status: JobStatus
    attempts: int
    lease_owner: str | None
    lease_until: datetime | None
    last_error: str | None
    key: str | None


@dataclass
class Change(Generic[R]):
    """What a function passed to :meth:`Store.apply` wants written.

    ``state`` is the new engine state JSON (``None``: leave the session as it
    is). With ``delete=True`` the session ends: it reads as absent from then on,
    but its version keeps counting, so a later session for the same key never
    reuses a version (old buttons carry one). ``case_id`` and ``case_version``
    default to the current session's. ``result`` is handed
    back to the caller untouched (the adapter puts the actions to render there).

    ``outbox`` is the reply to send, encoded by the caller: it is kept in the
    outbox (:class:`Outbox`) in the same transaction, with the session's version
    after the change, until the caller reports it sent. If the process dies in
    between, the reply is still there to send; ``None`` keeps nothing.

    ``jobs`` are added in the same transaction (a deadline, a reminder), with
    the same dedupe rule as :meth:`Jobs.add`.

    ``opened`` says the case was (re)opened by this change: the session's
    opening time, from which each answer's :attr:`AnswerRecord.seconds` is
    counted, is now. ``source`` sets where the play came from (kept with the
    session, copied to each answer whose own ``source`` is empty); ``None``
    keeps the session's, and an opening without one clears it.
    """

    result: R
    state: str | None = None
    case_id: str | None = None
    case_version: str | None = None
    delete: bool = False
    answers: Sequence[AnswerRecord] = ()
    finished: Sequence[FinishedCase] = ()
    outbox: str | None = None
    jobs: Sequence[NewJob] = ()
    opened: bool = False
    source: str | None = None


@dataclass(frozen=True)
class Applied(Generic[R]):
    """The outcome of :meth:`Store.apply`.

    ``duplicate`` is true when the update had been processed before: nothing
    was run or written, ``result`` is ``None`` and ``session`` is the session as
    it is now. Otherwise ``result`` is the function's result, ``session`` the
    session as committed (``None`` when there is none) and ``outboxed`` the id
    of the outbox entry :attr:`Change.outbox` became (``None``: nothing kept).
    """

    duplicate: bool
    result: R | None = None
    session: SessionRecord | None = None
    outboxed: int | None = None


@dataclass(frozen=True)
class OutboxEntry:
    """A reply kept until it is sent (see :class:`Outbox`).

    ``version`` is the session's version after the change the reply answers
    (0 when there was no session afterwards): the version its buttons carry.
    ``body`` is the reply as its writer encoded it. ``sent_parts`` counts the
    messages of it already sent, so that a retry goes on after them;
    ``attempts`` counts failed tries; ``due`` is when to try again.
    """

    id: int
    key: SessionKey
    version: int
    body: str
    sent_parts: int
    attempts: int
    due: datetime
    created_at: datetime
    last_error: str | None = None


@dataclass(frozen=True)
class LiveButtons:
    """A sent message whose inline buttons are still on it, and which reply put them there."""

    key: SessionKey
    message_id: int
    version: int
    outbox_id: int


@dataclass(frozen=True)
class InboxEntry:
    """An update received but not yet handled (see :class:`Inbox`)."""

    update_id: int
    body: str
    owner: str
    received_at: datetime
    deliveries: int


#: The function :meth:`Store.apply` runs: current session in, change out. It
#: must be pure and quick (it may run again after a conflict, and a backend
#: may run it on its database thread).
ApplyFn = Callable[[SessionRecord | None], Change[R]]


def written_case(current: SessionRecord | None, change: Change[Any]) -> tuple[str, str]:
    """The case id and case version a session write for ``change`` stores: the change's,
    else the current session's. Every backend's :meth:`Store.apply` writes these."""
    case_id = change.case_id or (current.case_id if current else None)
    case_version = change.case_version
    if case_version is None:
        case_version = current.case_version if current else ""
    if case_id is None:
        raise ValueError("a new session needs a case_id")
    return case_id, case_version


def check_key(key: SessionKey) -> None:
    """Reject keys a backend would store wrongly (thread id must be 0 when there is none)."""
    if key.thread_id < 0:
        raise ValueError(f"thread_id must be 0 or positive, not {key.thread_id}")
