"""The storage contract for instructors, classes, members, class groups and links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.storage.storage_helpers import Opener
from tutorbot.storage import Store, StoreError

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def test_co_instructors_are_added_once_listed_and_removed(store: Store) -> None:
    assert await store.instructors.add(7, added_by=1, now=at(0))
    assert not await store.instructors.add(7, added_by=2, now=at(1))
    assert await store.instructors.add(8, added_by=1, now=at(2))
    listed = await store.instructors.list()
    assert [(i.user_id, i.added_by, i.added_at) for i in listed] == [(7, 1, at(0)), (8, 1, at(2))]
    assert await store.instructors.remove(7)
    assert not await store.instructors.remove(7)
    assert await store.instructors.get(7) is None
    got = await store.instructors.get(8)
    assert got is not None and got.added_by == 1


async def test_a_class_has_instructors_can_be_renamed_archived_and_listed(store: Store) -> None:
    first = await store.classes.create("Radiology <2026>", 1, at(0))
    second = await store.classes.create("Chest", 2, at(1))
    assert first.name == "Radiology <2026>" and first.instructors == (1,) and not first.archived
    assert first.id != second.id
    assert await store.classes.add_instructor(first.id, 2, at(2))
    assert not await store.classes.add_instructor(first.id, 2, at(3))
    assert not await store.classes.add_instructor(999_999, 2, at(3))
    got = await store.classes.get(first.id)
    assert got is not None and got.instructors == (1, 2)
    assert [c.id for c in await store.classes.of_instructor(2)] == [first.id, second.id]
    assert await store.classes.rename(first.id, "Neuro")
    assert await store.classes.set_archived(first.id, True)
    assert not await store.classes.rename(999_999, "x")
    assert [c.id for c in await store.classes.of_instructor(2)] == [second.id]
    archived = await store.classes.of_instructor(2, archived=True)
    assert [(c.name, c.archived) for c in archived] == [("Neuro", True), ("Chest", False)]
    assert [c.id for c in await store.classes.list()] == [second.id]
    assert len(await store.classes.list(archived=True)) == 2
    assert await store.classes.remove_instructor(first.id, 1)
    assert not await store.classes.remove_instructor(first.id, 1)
    assert await store.classes.get(999_999) is None


async def test_creating_twice_with_one_origin_makes_one_class(backend: Opener) -> None:
    one, two = await backend(), await backend()
    first = await one.classes.create("Neuro", 1, at(0), origin="update:5")
    again = await two.classes.create("Neuro", 1, at(1), origin="update:5")
    other = await two.classes.create("Neuro", 1, at(1), origin="update:6")
    assert again == first and other.id != first.id
    assert len(await one.classes.of_instructor(1)) == 2


async def test_hand_over_passes_every_class_and_keeps_one_row_each(store: Store) -> None:
    a = await store.classes.create("A", 5, at(0))
    b = await store.classes.create("B", 5, at(1))
    await store.classes.add_instructor(b.id, 1, at(2))
    c = await store.classes.create("C", 6, at(3))
    assert await store.classes.hand_over(5, 1, at(4)) == [a.id, b.id]
    assert await store.classes.of_instructor(5, archived=True) == []
    assert [x.id for x in await store.classes.of_instructor(1)] == [a.id, b.id]
    got = await store.classes.get(b.id)
    assert got is not None and got.instructors == (1,)
    assert (await store.classes.get(c.id)) == c


async def test_members_join_leave_rejoin_mute_and_who_a_push_reaches(store: Store) -> None:
    cls = await store.classes.create("A", 1, at(0))
    assert await store.members.join(cls.id, 10, "Ann", at(1))
    assert not await store.members.join(cls.id, 10, "Ann B", at(2))
    assert await store.members.join(cls.id, 11, "Bob", at(3))
    assert await store.members.join(cls.id, 12, "Cy", at(4))
    member = await store.members.get(cls.id, 10)
    assert member is not None
    assert (member.name, member.joined_at, member.muted, member.reachable, member.current) == (
        "Ann B",
        at(1),
        False,
        True,
        True,
    )
    assert await store.members.set_muted(cls.id, 11, True)
    await store.users.set_active(12, False)  # blocked the bot
    assert [m.user_id for m in await store.members.recipients(cls.id)] == [10]
    assert await store.members.leave(cls.id, 10, at(5))
    assert not await store.members.leave(cls.id, 10, at(6))
    assert not await store.members.set_muted(cls.id, 10, True)
    assert [m.user_id for m in await store.members.of_class(cls.id)] == [11, 12]
    everyone = await store.members.of_class(cls.id, former=True)
    assert [(m.user_id, m.current) for m in everyone] == [(10, False), (11, True), (12, True)]
    assert await store.members.recipients(cls.id) == []
    assert await store.members.join(cls.id, 10, "Ann", at(7))  # back, unmuted, a new date
    back = await store.members.get(cls.id, 10)
    assert back is not None and back.current and back.joined_at == at(7)
    await store.users.set_active(12, True)
    assert [m.user_id for m in await store.members.recipients(cls.id)] == [12, 10]
    other = await store.classes.create("B", 1, at(8))
    await store.members.join(other.id, 10, "Ann", at(9))
    assert [m.class_id for m in await store.members.of_user(10)] == [cls.id, other.id]
    assert await store.members.get(cls.id, 99) is None


async def test_a_group_waits_for_an_admin_and_stops_counting_when_the_bot_leaves(
    store: Store,
) -> None:
    cls = await store.classes.create("A", 1, at(0))
    added = await store.groups.add(cls.id, -100, "Club <&>", 10, at(1))
    assert (added.confirmed_by, added.live, added.title) == (None, False, "Club <&>")
    assert await store.groups.of_class(cls.id) == []
    assert await store.groups.confirm(cls.id, -100, 11)
    assert not await store.groups.confirm(cls.id, -999, 11)
    assert [(g.chat_id, g.confirmed_by) for g in await store.groups.of_class(cls.id)] == [
        (-100, 11)
    ]
    assert await store.groups.bot_removed(-100) == 1
    assert await store.groups.bot_removed(-100) == 0
    assert await store.groups.of_class(cls.id) == []
    gone = await store.groups.get(cls.id, -100)
    assert gone is not None and gone.removed
    again = await store.groups.add(cls.id, -100, "Club", 12, at(2))  # the link used again
    assert again.live and again.confirmed_by == 11
    assert [g.class_id for g in await store.groups.of_chat(-100)] == [cls.id]


async def test_a_migrated_group_stays_in_its_classes(store: Store) -> None:
    a = await store.classes.create("A", 1, at(0))
    b = await store.classes.create("B", 1, at(1))
    await store.groups.add(a.id, -40, "Club", 10, at(2))
    await store.groups.confirm(a.id, -40, 10)
    await store.groups.add(b.id, -40, "Club", 10, at(2))
    await store.groups.add(b.id, -1001, "Club", 10, at(3))  # the new id, joined already
    assert await store.groups.migrate(-40, -1001) == 1
    assert await store.groups.migrate(-40, -1001) == 0  # both chats announce it: safe to repeat
    assert await store.groups.of_chat(-40) == []
    moved = await store.groups.get(a.id, -1001)
    assert moved is not None and moved.live and moved.migrated_from == -40
    assert [g.class_id for g in await store.groups.of_chat(-1001)] == [a.id, b.id]


async def test_links_are_used_once_revoked_and_listed(backend: Opener) -> None:
    store = await backend()
    cls = await store.classes.create("A", 1, at(0))
    join = await store.links.add("J_abc", "join", class_id=cls.id, created_by=1, now=at(1))
    assert (join.kind, join.class_id, join.usable, join.one_time) == ("join", cls.id, True, False)
    with pytest.raises(StoreError):
        await store.links.add("J_abc", "group", class_id=None, created_by=2, now=at(2))
    invite = await store.links.add(
        "I_xyz", "invite", class_id=None, created_by=1, now=at(2), one_time=True
    )
    assert invite.one_time and invite.class_id is None
    assert await store.links.use("J_abc", 10, at(3)) and await store.links.use("J_abc", 11, at(3))
    other = await backend()  # another process races for the invite: one user gets it
    assert await store.links.use("I_xyz", 20, at(4))
    assert not await other.links.use("I_xyz", 21, at(4))
    assert await other.links.use("I_xyz", 20, at(5))  # the same user again (a redelivery)
    used = await other.links.get("I_xyz")
    assert used is not None and used.used_by == 20 and not used.usable
    assert not await store.links.use("nope", 20, at(5))
    second = await store.links.add("J_def", "join", class_id=cls.id, created_by=1, now=at(6))
    assert [x.token for x in await store.links.of_class(cls.id, "join")] == [second.token, "J_abc"]
    assert await store.links.revoke("J_abc", at(7))
    assert not await store.links.revoke("J_abc", at(8))
    assert not await store.links.revoke("nope", at(8))
    revoked = await store.links.get("J_abc")
    assert revoked is not None and revoked.revoked and not revoked.usable
    assert not await store.links.use("J_abc", 10, at(9))
    assert [x.token for x in await store.links.of_class(cls.id, "join")] == ["J_def"]
    assert await store.links.of_class(cls.id, "group") == []
    assert await store.links.get("nope") is None
