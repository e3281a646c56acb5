"""The storage port for group rounds: the round record, its append-only answers, the
group's settings, answer tokens, private bindings and who chose to stay anonymous.

A round is its own record, one per chat and forum topic while it is open; its answers
are rows appended beside it, never a read-modify-write, so many people answering in
the same second never conflict. The round's own moves (a stage on, the reveal) are
compare-and-set on its ``version``. Times are timezone-aware and passed in.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime

from tutorbot.rounds import Round, RoundAnswer, RoundSettings


@dataclass(frozen=True)
class NewRound:
    """What starting a round records."""

    chat_id: int
    thread_id: int
    case_id: str
    case_version: str
    started_by: int
    started_at: datetime
    deadline: datetime
    stages: int


class Rounds(ABC):
    """Group rounds and what belongs to them (see the module's docstring)."""

    @abstractmethod
    async def start(self, new: NewRound) -> Round | None:
        """Record a new open round; ``None`` if one is open in that chat and topic already
        (atomically: of two starts at once, one wins)."""

    @abstractmethod
    async def get(self, round_id: int) -> Round | None:
        """The round with this id, or ``None``."""

    @abstractmethod
    async def open_in(self, chat_id: int, thread_id: int) -> Round | None:
        """The open round of a chat's topic (``thread_id`` 0: no topic), or ``None``."""

    @abstractmethod
    async def open_in_chat(self, chat_id: int) -> list[Round]:
        """Every open round of a chat, all topics."""

    @abstractmethod
    async def save(self, changed: Round, expected_version: int) -> bool:
        """Write the round's stage, status, reveal time and version if its stored version
        is still ``expected_version``; ``False`` (nothing written) otherwise."""

    @abstractmethod
    async def set_messages(
        self, round_id: int, *, status: int | None = None, question: int | None = None
    ) -> None:
        """Remember the ids of the group's status and question messages of the round."""

    @abstractmethod
    async def add_answer(self, answer: RoundAnswer, update_id: int | None = None) -> bool:
        """Append an answer; ``False`` (nothing added) if ``update_id`` added one already
        (a redelivered update)."""

    @abstractmethod
    async def answers(self, round_id: int) -> list[RoundAnswer]:
        """Every answer of the round, oldest first."""

    @abstractmethod
    async def answered(self, round_id: int) -> int:
        """How many people answered the round."""

    @abstractmethod
    async def played(self, chat_id: int) -> set[str]:
        """The case ids the chat has had rounds of (any topic, any status)."""

    @abstractmethod
    async def revealed_since(self, chat_id: int, since: datetime | None) -> list[list[RoundAnswer]]:
        """The answers of each round of the chat revealed at or after ``since`` (``None``:
        ever), one list per round."""

    @abstractmethod
    async def settings(self, chat_id: int) -> RoundSettings:
        """The chat's settings (the defaults for a chat that never changed them)."""

    @abstractmethod
    async def save_settings(self, chat_id: int, settings: RoundSettings) -> None:
        """Replace the chat's settings."""

    @abstractmethod
    async def add_token(self, token: str, round_id: int, now: datetime) -> None:
        """Store an answer token (an opaque random string) for a round."""

    @abstractmethod
    async def round_of_token(self, token: str) -> int | None:
        """The round an answer token stands for, or ``None``."""

    @abstractmethod
    async def token_of(self, round_id: int) -> str | None:
        """The (first) answer token of a round, or ``None``."""

    @abstractmethod
    async def bind(self, user_id: int, round_id: int, now: datetime) -> None:
        """The user's private chat now answers ``round_id`` (replacing any binding)."""

    @abstractmethod
    async def bound(self, user_id: int) -> int | None:
        """The round the user's private chat answers, or ``None``."""

    @abstractmethod
    async def unbind(self, user_id: int) -> None:
        """The user's private chat answers no round any more."""

    @abstractmethod
    async def set_anonymous(self, user_id: int, anonymous: bool) -> None:
        """Whether the user appears as "Anonymous" in summaries and leaderboards."""

    @abstractmethod
    async def anonymous(self, user_ids: set[int] | None = None) -> frozenset[int]:
        """Who among ``user_ids`` (``None``: everyone) chose to be anonymous."""

    @abstractmethod
    async def migrate(self, old_chat_id: int, new_chat_id: int) -> int:
        """A group became a supergroup: its rounds and settings move to the new id; how
        many rounds moved. Safe to repeat."""
