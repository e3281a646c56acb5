"""Instructors, classes, their members and groups, and the links that bring people in.

One module for the whole concern (records and interfaces together) so that
:mod:`tutorbot.storage.interfaces` stays a size a reader can hold; the
:class:`~tutorbot.storage.interfaces.Store` carries one repository per part:
``store.instructors``, ``store.classes``, ``store.members``, ``store.groups``
and ``store.links``.

Who the owners are is configuration (``TUTORBOT_INSTRUCTORS``), not data:
storage keeps only the co-instructors owners added. Whether a member can be
reached is the user's own flag (:class:`~tutorbot.storage.interfaces.Users`,
cleared when Telegram answers 403), so one blocked bot counts in every class.
Times are timezone-aware and passed in by the caller.
"""

from __future__ import annotations

import builtins
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

#: What a link does: join a class as a student, become an instructor (of a class, when it
#: names one), or join a group chat to a class.
LinkKind = Literal["join", "invite", "group"]
LINK_KINDS: tuple[LinkKind, ...] = ("join", "invite", "group")


@dataclass(frozen=True)
class Instructor:
    """A co-instructor an owner added (owners are configuration, not stored)."""

    user_id: int
    added_by: int
    added_at: datetime


@dataclass(frozen=True)
class ClassRecord:
    """A class: its name, whether it is archived, and its instructors (oldest first)."""

    id: int
    name: str
    archived: bool
    created_at: datetime
    instructors: tuple[int, ...]


@dataclass(frozen=True)
class Member:
    """A student in a class. ``left_at`` is set once they left; ``reachable`` is ``False``
    while they have blocked the bot."""

    class_id: int
    user_id: int
    name: str
    joined_at: datetime
    left_at: datetime | None
    muted: bool
    reachable: bool

    @property
    def current(self) -> bool:
        """Still in the class."""
        return self.left_at is None


@dataclass(frozen=True)
class ClassGroup:
    """A group chat joined to a class by a link. It counts once a group admin confirmed
    (``confirmed_by``: that admin's id, or the group's own id for an anonymous admin) and
    while the bot is still in it (``removed`` is set when the bot was removed).
    ``migrated_from`` is the basic group's id after it became a supergroup."""

    class_id: int
    chat_id: int
    title: str
    added_by: int
    added_at: datetime
    confirmed_by: int | None
    removed: bool
    migrated_from: int | None

    @property
    def live(self) -> bool:
        """Confirmed and the bot is still there: pushes go to it."""
        return self.confirmed_by is not None and not self.removed


@dataclass(frozen=True)
class Link:
    """A deep link's token, stored so that the link says nothing itself.

    ``token`` is the whole ``start``/``startgroup`` payload. A one-time link is used up
    by its first user (``used_by``); any link can be revoked.
    """

    token: str
    kind: LinkKind
    class_id: int | None
    created_by: int
    created_at: datetime
    one_time: bool
    revoked: bool
    used_by: int | None

    @property
    def usable(self) -> bool:
        """Not revoked, and not a one-time link someone used."""
        return not self.revoked and not (self.one_time and self.used_by is not None)


class Instructors(ABC):
    """The co-instructors owners added."""

    @abstractmethod
    async def add(self, user_id: int, added_by: int, now: datetime) -> bool:
        """Make ``user_id`` an instructor; ``False`` if they were one already."""

    @abstractmethod
    async def remove(self, user_id: int) -> bool:
        """Stop ``user_id`` being an instructor; ``False`` if they were not one."""

    @abstractmethod
    async def get(self, user_id: int) -> Instructor | None:
        """The co-instructor ``user_id``, or ``None``."""

    @abstractmethod
    async def list(self) -> list[Instructor]:
        """Every co-instructor, in the order they were added."""


class Classes(ABC):
    """Classes and who teaches each."""

    @abstractmethod
    async def create(
        self, name: str, instructor: int, now: datetime, *, origin: str | None = None
    ) -> ClassRecord:
        """A new class taught by ``instructor``.

        ``origin`` names the request (an update id): creating again with the same
        origin returns the class it created, so a request handled twice makes one class.
        """

    @abstractmethod
    async def get(self, class_id: int) -> ClassRecord | None:
        """The class, or ``None``."""

    @abstractmethod
    async def list(self, *, archived: bool = False) -> list[ClassRecord]:
        """Every class, oldest first; archived ones too when ``archived``."""

    @abstractmethod
    async def of_instructor(
        self, user_id: int, *, archived: bool = False
    ) -> builtins.list[ClassRecord]:
        """The classes ``user_id`` teaches, oldest first; archived ones too when ``archived``."""

    @abstractmethod
    async def rename(self, class_id: int, name: str) -> bool:
        """Rename a class; ``False`` if there is no such class."""

    @abstractmethod
    async def set_archived(self, class_id: int, archived: bool) -> bool:
        """Archive a class (or bring it back); ``False`` if there is no such class."""

    @abstractmethod
    async def add_instructor(self, class_id: int, user_id: int, now: datetime) -> bool:
        """``user_id`` teaches the class too; ``False`` if they did already (or no class)."""

    @abstractmethod
    async def remove_instructor(self, class_id: int, user_id: int) -> bool:
        """``user_id`` no longer teaches the class; ``False`` if they did not."""

    @abstractmethod
    async def hand_over(self, from_user: int, to_user: int, now: datetime) -> builtins.list[int]:
        """Every class ``from_user`` teaches passes to ``to_user`` (who is added where they
        do not teach it yet); ``from_user`` teaches none afterwards. The classes' ids."""


class Members(ABC):
    """Students in classes."""

    @abstractmethod
    async def join(self, class_id: int, user_id: int, name: str, now: datetime) -> bool:
        """``user_id`` joins (or joins again after leaving), named ``name``; ``False`` if
        they were in the class already (the name is brought up to date either way)."""

    @abstractmethod
    async def leave(self, class_id: int, user_id: int, now: datetime) -> bool:
        """``user_id`` leaves the class; ``False`` if they were not in it."""

    @abstractmethod
    async def set_muted(self, class_id: int, user_id: int, muted: bool) -> bool:
        """Mute (or unmute) the class's pushes for a current member; ``False`` if not one."""

    @abstractmethod
    async def get(self, class_id: int, user_id: int) -> Member | None:
        """The membership, current or past, or ``None``."""

    @abstractmethod
    async def of_class(self, class_id: int, *, former: bool = False) -> list[Member]:
        """The class's current members in joining order (and former ones when ``former``)."""

    @abstractmethod
    async def recipients(self, class_id: int) -> list[Member]:
        """The members a push goes to: current, not muted, and reachable."""

    @abstractmethod
    async def of_user(self, user_id: int) -> list[Member]:
        """The classes ``user_id`` is in now, as memberships, in joining order."""


class ClassGroups(ABC):
    """Group chats joined to classes."""

    @abstractmethod
    async def add(
        self, class_id: int, chat_id: int, title: str, added_by: int, now: datetime
    ) -> ClassGroup:
        """Join a group to a class, waiting for an admin's confirmation (a group that was
        joined before keeps its confirmation and is no longer removed)."""

    @abstractmethod
    async def confirm(self, class_id: int, chat_id: int, by: int) -> bool:
        """A group admin confirmed; ``False`` if the group is not joined to the class."""

    @abstractmethod
    async def get(self, class_id: int, chat_id: int) -> ClassGroup | None:
        """The group of the class, or ``None``."""

    @abstractmethod
    async def of_class(self, class_id: int, *, all: bool = False) -> list[ClassGroup]:
        """The class's live groups (confirmed, bot present), or every one with ``all``."""

    @abstractmethod
    async def of_chat(self, chat_id: int) -> list[ClassGroup]:
        """The classes a group chat is joined to (any state)."""

    @abstractmethod
    async def bot_removed(self, chat_id: int, removed: bool = True) -> int:
        """The bot was removed from (or added back to) a group; how many class groups changed."""

    @abstractmethod
    async def migrate(self, old_chat_id: int, new_chat_id: int) -> int:
        """A basic group became a supergroup: its classes follow it to the new id
        (Telegram's ``migrate_to_chat_id``). Safe to repeat; how many moved."""


class Links(ABC):
    """Tokens behind the deep links the bot posts."""

    @abstractmethod
    async def add(
        self,
        token: str,
        kind: LinkKind,
        *,
        class_id: int | None,
        created_by: int,
        now: datetime,
        one_time: bool = False,
    ) -> Link:
        """Store a new link; raises :class:`~tutorbot.storage.errors.StoreError` if the
        token is taken."""

    @abstractmethod
    async def get(self, token: str) -> Link | None:
        """The link behind ``token``, or ``None``."""

    @abstractmethod
    async def use(self, token: str, user_id: int, now: datetime) -> bool:
        """``user_id`` uses the link: ``True`` if it may (a one-time link is used up by
        its first user, atomically; that same user may use it again), ``False`` if it is
        revoked, used by someone else, or unknown."""

    @abstractmethod
    async def revoke(self, token: str, now: datetime) -> bool:
        """Revoke a link; ``False`` if it was revoked already or is unknown."""

    @abstractmethod
    async def of_class(self, class_id: int, kind: LinkKind) -> list[Link]:
        """The class's usable links of ``kind``, newest first."""
