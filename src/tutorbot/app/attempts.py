"""Which stored attempts count for a class: the one rule results, curation and exports share.

``docs/instructors.md`` states it for instructors. An attempt (a stored
answer) counts for a class when

1. its learner was a member of the class when they made it (joined at or
   before it, and had not left yet): a learner who joins later brings no
   earlier answers, one who leaves keeps what they did while in the class;
2. it was made in the learner's private chat with the bot, or in a group
   round in one of the class's groups (group play elsewhere is not the
   class's);
3. when the case was pushed to the class, it was made at or after the first
   push of that case (practice before the class was asked does not count).

Members are checked through :class:`~tutorbot.storage.Member` records, so a
learner who deleted their data (``/forget_me``) has no attempts left to count.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from tutorbot.storage import AnswerRecord, Member


@dataclass(frozen=True)
class ClassScope:
    """What the rule needs to know about one class for one case.

    ``members`` by user id (former members too); ``group_chats`` the class's
    group chat ids; ``pushed_at`` the first push of the case to the class
    (``None``: never pushed, every attempt while a member counts).
    """

    members: Mapping[int, Member]
    group_chats: frozenset[int] = frozenset()
    pushed_at: datetime | None = None


def counts_for_class(attempt: AnswerRecord, scope: ClassScope) -> bool:
    """Whether ``attempt`` counts for the class ``scope`` describes (see the module)."""
    member = scope.members.get(attempt.user_id)
    at = attempt.at
    if member is None or at is None:
        return False
    if at < member.joined_at or (member.left_at is not None and at >= member.left_at):
        return False
    if attempt.chat_id != attempt.user_id and attempt.chat_id not in scope.group_chats:
        return False
    return scope.pushed_at is None or at >= scope.pushed_at


def for_class(attempts: Iterable[AnswerRecord], scope: ClassScope) -> list[AnswerRecord]:
    """The attempts that count for the class, in the order given."""
    return [attempt for attempt in attempts if counts_for_class(attempt, scope)]


def scope_of(
    members: Sequence[Member], group_chats: Iterable[int] = (), pushed_at: datetime | None = None
) -> ClassScope:
    """A :class:`ClassScope` from the class's member records (current and former)."""
    return ClassScope({m.user_id: m for m in members}, frozenset(group_chats), pushed_at)
