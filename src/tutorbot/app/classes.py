"""Classes: instructors create them and bring students and group chats in by link; students
see, leave and mute theirs.

Every front end (the Telegram routers, ``tutorbot classes`` in the terminal) and
every job (pushes) goes through :class:`Classroom`. Instructor use cases take the
acting user and refuse, with one polite line (:class:`Refusal`), anyone who does
not teach the class; ``None`` as the acting user is the terminal's operator, who
holds the database already. Link payloads are checked here, so a revoked, used,
unknown or malformed link gets its own line wherever it is opened.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutorbot.app.instructors import INSTRUCTORS_ONLY, Refusal, Roster
from tutorbot.app.links import kind_of, new_payload
from tutorbot.storage import ClassGroup, ClassRecord, Link, LinkKind, Member, Store

#: The longest class name: it goes into buttons and push cards.
NAME_LIMIT = 64

NOT_YOURS = "That class is not one of yours."
NO_CLASS = "There is no such class."
NO_NAME = "Give the class a name, e.g. /newclass Radiology 2026"
LONG_NAME = f"A class name is at most {NAME_LIMIT} characters."
LINK_MALFORMED = (
    "That link is incomplete: open it again from the message it came in, or ask for a new one."
)
LINK_UNKNOWN = "I do not know that link. Ask your instructor for a new one."
LINK_REVOKED = "That link was turned off. Ask your instructor for a new one."
LINK_USED = "That invite was used already: each invite works once. Ask for a new one."
ARCHIVED = "That class is archived and takes no one new."
WRONG_PLACE: dict[LinkKind, str] = {
    "join": "That link is for joining a class yourself: open it in a private chat with me.",
    "invite": "That invite is for one person: open it in a private chat with me.",
    "group": "That link adds me to a group: open it, pick the group, and an admin there confirms.",
}
NOT_MEMBER = "You are not in that class (any more)."
#: The links every live class has.
_CLASS_LINKS: tuple[LinkKind, ...] = ("join", "group")


@dataclass(frozen=True)
class ClassSummary:
    """What an instructor sees of a class: counts and its current links."""

    cls: ClassRecord
    members: int
    muted: int
    unreachable: int
    groups: int
    waiting_groups: int
    join: Link | None
    group: Link | None


@dataclass(frozen=True)
class Opened:
    """A link that checked out: the link and its class (``None`` for a class-less invite)."""

    link: Link
    cls: ClassRecord | None


@dataclass(frozen=True)
class GroupJoined:
    """A group joined to a class by link; ``confirmed`` once an admin said so."""

    cls: ClassRecord
    group: ClassGroup
    confirmed: bool


def clean_name(name: str) -> str:
    """A class name as kept: one line, spaces squeezed; :class:`Refusal` if empty or long."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise Refusal(NO_NAME)
    if len(cleaned) > NAME_LIMIT:
        raise Refusal(LONG_NAME)
    return cleaned


class Classroom:
    """The class use cases over the store."""

    def __init__(self, store: Store, roster: Roster) -> None:
        self.store = store
        self.roster = roster
        self.clock = roster.clock

    # -- queries other use cases (pushes) build on ---------------------------------------

    async def teaches(self, user_id: int, class_id: int) -> bool:
        """Whether ``user_id`` is an instructor and one of the class's."""
        cls = await self.store.classes.get(class_id)
        return (
            cls is not None
            and user_id in cls.instructors
            and await self.roster.is_instructor(user_id)
        )

    async def classes_of(self, instructor: int, *, archived: bool = False) -> list[ClassRecord]:
        """The classes ``instructor`` teaches (none if they are no instructor now)."""
        if not await self.roster.is_instructor(instructor):
            return []
        return await self.store.classes.of_instructor(instructor, archived=archived)

    async def recipients(self, class_id: int) -> list[Member]:
        """The students a push reaches: in the class, not muted, not blocking the bot."""
        return await self.store.members.recipients(class_id)

    async def groups(self, class_id: int) -> list[ClassGroup]:
        """The class's group chats a push reaches: confirmed by an admin, bot still there."""
        return await self.store.groups.of_class(class_id)

    # -- instructors -----------------------------------------------------------------------

    async def create(self, user: int | None, name: str, *, origin: str | None = None) -> Opened:
        """A new class taught by ``user``, with its join link (the group link comes with
        :meth:`links`). ``origin`` (an update id) makes a request handled twice make one."""
        if user is None:
            raise Refusal("A class needs an instructor: pass --instructor ID.")
        await self.roster.require(user)
        cleaned = clean_name(name)
        cls = await self.store.classes.create(cleaned, user, self.clock.now(), origin=origin)
        join, _ = await self.links(user, cls.id)
        assert join is not None
        return Opened(join, cls)

    async def mine(self, user: int | None, class_id: int) -> ClassRecord:
        """The class, if ``user`` teaches it (or is the terminal's operator)."""
        if user is not None:
            await self.roster.require(user)
        cls = await self.store.classes.get(class_id)
        if cls is None:
            raise Refusal(NO_CLASS if user is None else NOT_YOURS)
        if user is not None and user not in cls.instructors:
            raise Refusal(NOT_YOURS)
        return cls

    async def overview(self, user: int) -> list[ClassSummary]:
        """The classes ``user`` teaches, live ones first, then archived ones."""
        await self.roster.require(user)
        found = await self.store.classes.of_instructor(user, archived=True)
        ordered = [c for c in found if not c.archived] + [c for c in found if c.archived]
        return [await self._summary(c) for c in ordered]

    async def summary(self, user: int | None, class_id: int) -> ClassSummary:
        return await self._summary(await self.mine(user, class_id))

    async def links(self, user: int | None, class_id: int) -> tuple[Link | None, Link | None]:
        """The class's join and group links, made if it has none (an archived class has
        none: it takes no one new)."""
        cls = await self.mine(user, class_id)
        if cls.archived:
            return None, None
        made = []
        for kind in _CLASS_LINKS:
            live = await self.store.links.of_class(class_id, kind)
            made.append(live[0] if live else await self._issue(cls, kind, user))
        return made[0], made[1]

    async def new_link(self, user: int | None, class_id: int, kind: LinkKind) -> Link:
        """Turn off the class's links of ``kind`` and make a new one."""
        cls = await self.mine(user, class_id)
        if cls.archived:
            raise Refusal(ARCHIVED)
        await self.revoke(user, class_id, kind)
        return await self._issue(cls, kind, user)

    async def revoke(self, user: int | None, class_id: int, kind: LinkKind) -> int:
        """Turn off the class's links of ``kind``; how many. Who joined stays."""
        await self.mine(user, class_id)
        now = self.clock.now()
        count = 0
        for link in await self.store.links.of_class(class_id, kind):
            count += await self.store.links.revoke(link.token, now)
        return count

    async def rename(self, user: int | None, class_id: int, name: str) -> ClassRecord:
        await self.mine(user, class_id)
        await self.store.classes.rename(class_id, clean_name(name))
        return await self.mine(user, class_id)

    async def archive(self, user: int | None, class_id: int, archived: bool = True) -> ClassRecord:
        """Archive a class (its links stop working; members and groups stay) or bring it back."""
        await self.mine(user, class_id)
        await self.store.classes.set_archived(class_id, archived)
        if archived:
            for kind in _CLASS_LINKS:
                await self.revoke(user, class_id, kind)
        return await self.mine(user, class_id)

    async def add_teacher(self, user: int | None, class_id: int, teacher: int) -> bool:
        """``teacher`` (an instructor) teaches the class too."""
        await self.mine(user, class_id)
        if not await self.roster.is_instructor(teacher):
            raise Refusal(f"{teacher} is not an instructor: add them first.")
        return await self.store.classes.add_instructor(class_id, teacher, self.clock.now())

    async def members(self, user: int | None, class_id: int) -> list[Member]:
        await self.mine(user, class_id)
        return await self.store.members.of_class(class_id)

    # -- links, as whoever opens them --------------------------------------------------------

    async def open_link(self, payload: str, expected: LinkKind) -> Opened:
        """The link behind ``payload`` if it can be used as a link of ``expected`` kind."""
        kind = kind_of(payload)
        if kind is None:
            raise Refusal(LINK_MALFORMED)
        link = await self.store.links.get(payload)
        if link is None:
            raise Refusal(LINK_UNKNOWN)
        if link.kind != expected:
            raise Refusal(WRONG_PLACE[link.kind])
        if link.revoked:
            raise Refusal(LINK_REVOKED)
        cls = None
        if link.class_id is not None:
            cls = await self.store.classes.get(link.class_id)
            if cls is None:
                raise Refusal(LINK_UNKNOWN)
            if cls.archived:
                raise Refusal(ARCHIVED)
        return Opened(link, cls)

    async def join(self, payload: str, user: int, name: str) -> tuple[ClassRecord, bool]:
        """``user`` joins the class of a join link; whether they were new to it."""
        opened = await self.open_link(payload, "join")
        assert opened.cls is not None
        joined = await self.store.members.join(opened.cls.id, user, name, self.clock.now())
        return opened.cls, joined

    async def offer_invite(self, payload: str, user: int) -> Opened:
        """An invite ``user`` may accept (not used by another)."""
        opened = await self.open_link(payload, "invite")
        if opened.link.used_by not in (None, user):
            raise Refusal(LINK_USED)
        return opened

    async def accept_invite(self, payload: str, user: int) -> Opened:
        """``user`` accepts an invite: an instructor (and one of its class's) from now on."""
        opened = await self.offer_invite(payload, user)
        if not await self.store.links.use(payload, user, self.clock.now()):
            raise Refusal(LINK_USED)
        await self.roster.add(user, opened.link.created_by)
        if opened.cls is not None:
            await self.store.classes.add_instructor(opened.cls.id, user, self.clock.now())
        return opened

    async def group_start(
        self, payload: str, chat_id: int, title: str, by: int, *, admin: bool
    ) -> GroupJoined:
        """A group link was opened in a group (``/start <payload>`` there, sent by ``by``);
        confirmed at once when ``by`` is one of the group's admins."""
        opened = await self.open_link(payload, "group")
        assert opened.cls is not None
        group = await self.store.groups.add(opened.cls.id, chat_id, title, by, self.clock.now())
        if admin and group.confirmed_by is None:
            await self.store.groups.confirm(opened.cls.id, chat_id, by)
            group = await self._group(opened.cls.id, chat_id)
        return GroupJoined(opened.cls, group, group.confirmed_by is not None)

    async def confirm_group(self, class_id: int, chat_id: int, admin: int) -> GroupJoined:
        """A group admin confirms that the group joins the class."""
        cls = await self.store.classes.get(class_id)
        group = await self.store.groups.get(class_id, chat_id)
        if cls is None or group is None:
            raise Refusal(LINK_UNKNOWN)
        if cls.archived:
            raise Refusal(ARCHIVED)
        if group.confirmed_by is None:
            await self.store.groups.confirm(class_id, chat_id, admin)
        return GroupJoined(cls, await self._group(class_id, chat_id), True)

    # -- group chats' own events ------------------------------------------------------------

    async def bot_removed(self, chat_id: int) -> int:
        """The bot was removed from a group: it no longer counts in any class."""
        return await self.store.groups.bot_removed(chat_id)

    async def migrated(self, old_chat_id: int, new_chat_id: int) -> int:
        """A class group became a supergroup: its classes follow it."""
        return await self.store.groups.migrate(old_chat_id, new_chat_id)

    # -- students ----------------------------------------------------------------------------

    async def my_classes(self, user: int) -> list[tuple[ClassRecord, Member]]:
        """The classes ``user`` is in (archived ones included: their members stay)."""
        found = []
        for member in await self.store.members.of_user(user):
            cls = await self.store.classes.get(member.class_id)
            if cls is not None:
                found.append((cls, member))
        return found

    async def leave(self, user: int, class_id: int) -> ClassRecord:
        cls = await self.store.classes.get(class_id)
        if cls is None or not await self.store.members.leave(class_id, user, self.clock.now()):
            raise Refusal(NOT_MEMBER)
        return cls

    async def mute(self, user: int, class_id: int, muted: bool) -> ClassRecord:
        cls = await self.store.classes.get(class_id)
        if cls is None or not await self.store.members.set_muted(class_id, user, muted):
            raise Refusal(NOT_MEMBER)
        return cls

    # -- helpers -------------------------------------------------------------------------------

    async def _issue(self, cls: ClassRecord, kind: LinkKind, user: int | None) -> Link:
        return await self.store.links.add(
            new_payload(kind),
            kind,
            class_id=cls.id,
            created_by=user if user is not None else next(iter(cls.instructors), 0),
            now=self.clock.now(),
        )

    async def _summary(self, cls: ClassRecord) -> ClassSummary:
        members = await self.store.members.of_class(cls.id)
        groups = await self.store.groups.of_class(cls.id, all=True)
        join = await self.store.links.of_class(cls.id, "join")
        group = await self.store.links.of_class(cls.id, "group")
        return ClassSummary(
            cls=cls,
            members=len(members),
            muted=sum(m.muted for m in members),
            unreachable=sum(not m.reachable for m in members),
            groups=sum(g.live for g in groups),
            waiting_groups=sum(g.confirmed_by is None and not g.removed for g in groups),
            join=join[0] if join else None,
            group=group[0] if group else None,
        )

    async def _group(self, class_id: int, chat_id: int) -> ClassGroup:
        group = await self.store.groups.get(class_id, chat_id)
        assert group is not None
        return group


__all__ = [
    "INSTRUCTORS_ONLY",
    "ClassSummary",
    "Classroom",
    "GroupJoined",
    "Opened",
    "Refusal",
    "clean_name",
]
