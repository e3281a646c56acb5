"""The ports the use cases need besides storage: a clock and a notifier.

Storage's ports are the per-concern interfaces in :mod:`tutorbot.storage`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal, Protocol

from tutorbot.app.replies import Say

#: What became of a message sent to a chat that did not just write to the bot.
Delivery = Literal["sent", "blocked"]


class Clock(Protocol):
    """Tells the time (UTC, timezone-aware); tests pass one they can move."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class Notifier(Protocol):
    """Sends to a chat that did not just write to the bot (pushes, reveals, reminders).

    Such sends are bulk: they fill what the send budget leaves after replies to
    learners who just wrote. ``"blocked"``: the chat blocked the bot or is gone,
    and has been marked inactive.
    """

    async def notify(self, chat_id: int, thread_id: int, says: Sequence[Say]) -> Delivery: ...

    async def post(self, chat_id: int, message: Say) -> int | None:
        """Send one message (bulk) and return its id, to edit it later; ``None``: blocked."""
        ...

    async def edit(self, chat_id: int, message_id: int, message: Say) -> bool:
        """Replace a message :meth:`post` sent (bulk); ``False`` if Telegram refused."""
        ...
