"""Who is an instructor: the owners in the settings, and the co-instructors they add.

Owners are ``TUTORBOT_INSTRUCTORS``; they add co-instructors with a one-time
invite link (the Bot API cannot look a user up by @username) or, in the
terminal, by numeric id. A removed co-instructor's classes pass to an owner.
Every refusal is a :class:`Refusal` whose text is the one polite line a front
end shows.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from datetime import datetime

from tutorbot.app.links import new_payload
from tutorbot.app.ports import Clock, SystemClock
from tutorbot.storage import Link, Store

INSTRUCTORS_ONLY = "That is for instructors only."
OWNERS_ONLY = "Only an owner (TUTORBOT_INSTRUCTORS) can invite instructors."


class Refusal(Exception):
    """A request refused; ``str(refusal)`` is the one line to show, changing nothing."""


@dataclass(frozen=True)
class Teacher:
    """An instructor as listed: an owner (from the settings) or a co-instructor."""

    user_id: int
    owner: bool
    added_by: int | None = None
    added_at: datetime | None = None


@dataclass(frozen=True)
class Removed:
    """A co-instructor removed, and the classes that passed to ``owner``."""

    user_id: int
    owner: int | None
    classes: tuple[int, ...]


class Roster:
    """The instructors, for every front end: checks, and the owners' powers."""

    def __init__(self, store: Store, owners: frozenset[int], clock: Clock | None = None) -> None:
        self.store = store
        self.owners = owners
        self.clock = clock or SystemClock()

    def is_owner(self, user_id: int) -> bool:
        return user_id in self.owners

    async def is_instructor(self, user_id: int) -> bool:
        """An owner, or a co-instructor an owner added."""
        return self.is_owner(user_id) or await self.store.instructors.get(user_id) is not None

    async def require(self, user_id: int) -> None:
        """Raise :class:`Refusal` unless ``user_id`` is an instructor."""
        if not await self.is_instructor(user_id):
            raise Refusal(INSTRUCTORS_ONLY)

    async def list(self) -> list[Teacher]:
        """The owners (by id), then the co-instructors in the order they were added."""
        teachers = [Teacher(user_id, owner=True) for user_id in sorted(self.owners)]
        for added in await self.store.instructors.list():
            if added.user_id not in self.owners:
                teachers.append(Teacher(added.user_id, False, added.added_by, added.added_at))
        return teachers

    async def ids(self) -> builtins.list[int]:
        """Every instructor's user id, owners first."""
        return [teacher.user_id for teacher in await self.list()]

    async def add(self, user_id: int, added_by: int) -> bool:
        """Make ``user_id`` a co-instructor; ``False`` if they were an instructor already."""
        if self.is_owner(user_id):
            return False
        return await self.store.instructors.add(user_id, added_by, self.clock.now())

    async def remove(self, user_id: int) -> Removed:
        """Remove a co-instructor; their classes pass to the first owner."""
        if self.is_owner(user_id):
            raise Refusal(f"{user_id} is an owner: remove them from TUTORBOT_INSTRUCTORS instead.")
        if await self.store.instructors.get(user_id) is None:
            raise Refusal(f"{user_id} is not an instructor.")
        owner = min(self.owners) if self.owners else None
        teaching = await self.store.classes.of_instructor(user_id, archived=True)
        if teaching and owner is None:
            raise Refusal(
                f"{user_id} teaches {len(teaching)} class(es), and there is no owner to pass "
                "them to: set TUTORBOT_INSTRUCTORS first."
            )
        moved: list[int] = []
        if owner is not None:
            moved = await self.store.classes.hand_over(user_id, owner, self.clock.now())
        await self.store.instructors.remove(user_id)
        return Removed(user_id, owner, tuple(moved))

    async def invite(self, owner: int, class_id: int | None = None) -> Link:
        """A one-time link that makes whoever opens it (and confirms) a co-instructor;
        with ``class_id``, one of that class's instructors too."""
        if not self.is_owner(owner):
            raise Refusal(OWNERS_ONLY if await self.is_instructor(owner) else INSTRUCTORS_ONLY)
        return await self.store.links.add(
            new_payload("invite"),
            "invite",
            class_id=class_id,
            created_by=owner,
            now=self.clock.now(),
            one_time=True,
        )
