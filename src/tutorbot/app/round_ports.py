"""The ports and plain types of the group rounds' use cases (:mod:`tutorbot.app.rounds`):
where something happened, who did it, and what a front end must do for a round."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from tutorbot.app.round_texts import StatusView
from tutorbot.rounds import Round, Summary
from tutorbot.tutor import actions


class ChatGone(Exception):
    """The bot may no longer post in the group (removed, or the group deleted)."""


@dataclass(frozen=True)
class Where:
    """A group chat and forum topic (0: none), with the group's title."""

    chat_id: int
    thread_id: int
    title: str = ""


@dataclass(frozen=True)
class Actor:
    """Who did something: their id and first name, and whether they are an admin of the
    group (an anonymous admin, who writes as the group, is one)."""

    user_id: int
    name: str
    admin: bool = False


class RoundPort(Protocol):
    """What the use cases need of a front end; :mod:`tutorbot.telegram` implements it.

    Group sends raise :class:`ChatGone` when the bot may not post there any more.
    """

    async def material(self, rnd: Round, shown: Sequence[actions.Action]) -> None:
        """Post the case's material (the history, a stage's images) in the round's topic."""
        ...

    async def status(self, view: StatusView) -> int | None:
        """Post the round's status message (returning its id) or, once it has one, edit
        it (at most every few seconds; ``None``)."""
        ...

    async def reveal(self, rnd: Round, shown: Sequence[actions.Action], summary: Summary) -> None:
        """Post the reveal: the findings, the diagnosis and teaching points, the summary."""
        ...

    async def line(self, where: Where, text: str) -> None:
        """One line in a group's topic."""
        ...

    async def offer(
        self, where: Where, lines: Sequence[str], cases: Sequence[tuple[str, str]]
    ) -> None:
        """A message offering cases, ``(case id, title)``, as buttons that start a round."""
        ...

    async def private(self, user_id: int, lines: Sequence[str], *, bulk: bool = False) -> bool:
        """Lines in the user's private chat (``bulk``: not an answer to something they just
        did, so after the replies waiting); ``False`` if they cannot be reached (they never
        started the bot, or blocked it)."""
        ...

    async def delete(self, chat_id: int, message_id: int) -> bool:
        """Delete a message in a group; ``False`` if the bot may not."""
        ...


#: Whether a user is an instructor of a class the chat belongs to.
IsInstructor = Callable[[int, int], Awaitable[bool]]


async def no_instructors(user_id: int, chat_id: int) -> bool:
    return False
