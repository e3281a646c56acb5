"""The storage interface: plain records and the async :class:`Store` ABC.

Every backend (SQLite now, PostgreSQL later) implements :class:`Store`; the
contract tests in ``tests/storage/`` run against each of them.

The central operation is :meth:`Store.apply`: one update, one transaction.
It reads the session, lets a pure function (the tutor engine, wrapped by the
Telegram adapter) compute the change, and commits that change together with
the update id, with compare-and-set on the session's ``version``. Several bot
processes may share one database: a redelivered update is ignored and two
processes can never both advance the same session.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Literal, TypeVar

R = TypeVar("R")

#: How a finished case ended, for progress and /stats.
CaseOutcome = Literal["correct", "partial", "wrong", "revealed"]


class StoreError(Exception):
    """A storage problem the caller may report; the message is one sentence."""


class UnsupportedDatabase(StoreError):
    """The database URL names a backend this version does not support."""


class ConflictError(StoreError):
    """Another writer advanced the session first (compare-and-set on ``version`` failed)."""


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
    ``reply_pending`` is the outbox flag: a change was committed whose reply has
    not been confirmed sent (see :attr:`Change.reply_pending` and
    :meth:`Store.reply_sent`).
    """

    key: SessionKey
    case_id: str
    case_version: str
    state: str
    version: int
    updated_at: datetime
    reply_pending: bool = False


@dataclass(frozen=True)
class AnswerRecord:
    """One answer a learner typed, as graded against one version of a case."""

    chat_id: int
    user_id: int
    case_id: str
    case_version: str
    answer: str
    verdict: str
    score: float
    matched: str | None
    at: datetime | None = None


@dataclass(frozen=True)
class FinishedCase:
    """A case a learner finished, and how."""

    user_id: int
    case_id: str
    case_version: str
    outcome: CaseOutcome
    at: datetime | None = None


@dataclass(frozen=True)
class Stats:
    """A learner's progress for /stats.

    Each case counts once, with the outcome of the first time it was finished
    (a replay after seeing the answer changes nothing). ``accuracy`` is the
    share of finished cases answered correctly (0.0 when none); ``streak``
    counts the most recent of them answered correctly in a row; ``finished``
    lists their ids, oldest first.
    """

    cases_done: int
    correct: int
    accuracy: float
    streak: int
    finished: tuple[str, ...]


@dataclass
class Change(Generic[R]):
    """What a function passed to :meth:`Store.apply` wants written.

    ``state`` is the new engine state JSON (``None``: leave the session as it
    is). With ``delete=True`` the session ends: it reads as absent from then on,
    but its version keeps counting, so a later session for the same key never
    reuses a version (old buttons carry one). ``case_id`` and ``case_version``
    default to the current session's. ``result`` is handed
    back to the caller untouched (the adapter puts the actions to render there).

    ``reply_pending`` marks, in the same transaction, that the learner has not
    seen the reply to this change yet (the outbox flag of the session; ignored
    when there is no session afterwards). The caller clears it with
    :meth:`Store.reply_sent` once the reply went out; if the process dies in
    between, the flag survives and the next update (or the redelivered one)
    can show the learner where they are. ``False`` leaves the flag as it is.
    """

    result: R
    state: str | None = None
    case_id: str | None = None
    case_version: str | None = None
    delete: bool = False
    answers: Sequence[AnswerRecord] = ()
    finished: Sequence[FinishedCase] = ()
    reply_pending: bool = False


@dataclass(frozen=True)
class Applied(Generic[R]):
    """The outcome of :meth:`Store.apply`.

    ``duplicate`` is true when the update had been processed before: nothing
    was run or written, ``result`` is ``None`` and ``session`` is the session as
    it is now (so a caller can see whether its reply is still pending).
    Otherwise ``result`` is the function's result and ``session`` the session
    as committed (``None`` when there is none).
    """

    duplicate: bool
    result: R | None = None
    session: SessionRecord | None = None


#: The function :meth:`Store.apply` runs: current session in, change out. It
#: must be pure and quick (it may run again after a conflict, and a backend
#: may run it on its database thread).
ApplyFn = Callable[[SessionRecord | None], Change[R]]


class Store(ABC):
    """Sessions, answers, progress, users and the media cache, behind one async interface.

    Use :func:`tutorbot.storage.open_store` to get one; ``await store.close()``
    (or ``async with``) when done.
    """

    @abstractmethod
    async def apply(
        self, update_id: int | None, key: SessionKey, fn: ApplyFn[R], *, attempts: int = 5
    ) -> Applied[R]:
        """Apply one update to one session in one transaction.

        If ``update_id`` was processed before, return ``Applied(duplicate=True)``
        with the current session, without calling ``fn``. Otherwise read the session for ``key`` (or
        ``None``), call ``fn`` with it, and commit atomically: the session write
        with compare-and-set on its version (and its outbox flag, see
        :attr:`Change.reply_pending`), the answers, the finished cases, the user
        marked active, and ``update_id`` marked processed. On a conflict
        (another process wrote the session in between) re-read and call ``fn``
        again, up to ``attempts`` times, then raise :class:`ConflictError`.
        ``update_id=None`` applies without duplicate detection.
        """

    @abstractmethod
    async def reply_sent(self, key: SessionKey, version: int) -> bool:
        """Clear the session's outbox flag if the session is still at ``version``.

        Returns whether it was cleared (``False``: the session moved on or was
        deleted; whoever moved it owns the flag now). Does not change ``version``,
        so buttons carrying it stay valid.
        """

    @abstractmethod
    async def get_session(self, key: SessionKey) -> SessionRecord | None:
        """The session for ``key``, or ``None``."""

    @abstractmethod
    async def write_session(
        self,
        key: SessionKey,
        *,
        case_id: str,
        case_version: str,
        state: str,
        expected_version: int,
    ) -> SessionRecord:
        """Write a session if its version is still ``expected_version`` (0: it must not exist).

        Raises :class:`ConflictError` otherwise. :meth:`apply` is the usual way
        in; this is the bare compare-and-set, for tools and tests.
        """

    @abstractmethod
    async def is_processed(self, update_id: int) -> bool:
        """Whether ``update_id`` was applied already."""

    @abstractmethod
    async def prune_processed(self, older_than: datetime) -> int:
        """Forget processed update ids recorded before ``older_than``; return how many.

        Telegram redelivers an update for at most 24 hours, so a day is plenty.
        """

    @abstractmethod
    async def answers(
        self, *, user_id: int | None = None, case_id: str | None = None
    ) -> list[AnswerRecord]:
        """Every answer kept, oldest first, optionally only one user's or one case's."""

    @abstractmethod
    async def stats(self, user_id: int) -> Stats:
        """The learner's progress: cases done, accuracy, streak, finished ids."""

    @abstractmethod
    async def set_user_active(self, user_id: int, active: bool) -> None:
        """Mark a user active (they talk to the bot) or inactive (they blocked it)."""

    @abstractmethod
    async def user_active(self, user_id: int) -> bool | None:
        """Whether the user is active; ``None`` for a user never seen."""

    @abstractmethod
    async def get_file_id(self, bot_id: int, sha256: str) -> str | None:
        """The Telegram ``file_id`` this bot got for the file with this hash, or ``None``."""

    @abstractmethod
    async def put_file_id(self, bot_id: int, sha256: str, file_id: str) -> None:
        """Remember the ``file_id`` this bot got for a file (replacing any older one)."""

    @abstractmethod
    async def forget_file_id(self, bot_id: int, sha256: str) -> None:
        """Forget a ``file_id`` Telegram rejected, so the file is uploaded again."""

    @abstractmethod
    async def close(self) -> None:
        """Release the connection and the worker; the store is unusable afterwards."""

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def check_key(key: SessionKey) -> None:
    """Reject keys a backend would store wrongly (thread id must be 0 when there is none)."""
    if key.thread_id < 0:
        raise ValueError(f"thread_id must be 0 or positive, not {key.thread_id}")


__all__: Sequence[str] = (
    "AnswerRecord",
    "Applied",
    "ApplyFn",
    "CaseOutcome",
    "Change",
    "ConflictError",
    "FinishedCase",
    "SessionKey",
    "SessionRecord",
    "Stats",
    "Store",
    "StoreError",
    "UnsupportedDatabase",
)
