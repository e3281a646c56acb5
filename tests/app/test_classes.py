"""The class use cases: who may do what, links that never give anything away, students' control."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tutorbot.app import classes as c
from tutorbot.app.instructors import INSTRUCTORS_ONLY, OWNERS_ONLY, Refusal, Roster
from tutorbot.app.links import TOKEN_BYTES, kind_of, new_payload
from tutorbot.cases.model import ID_PATTERN
from tutorbot.storage import Store, open_store

OWNER, CO, STUDENT, OTHER = 1, 2, 10, 11


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await open_store(f"sqlite:///{tmp_path / 'tutor.db'}")
    yield store
    await store.close()


@pytest.fixture
def room(store: Store) -> c.Classroom:
    return c.Classroom(store, Roster(store, frozenset({OWNER})))


async def refused(awaitable: object, line: str) -> None:
    with pytest.raises(Refusal) as raised:
        await awaitable  # type: ignore[misc]
    assert str(raised.value) == line


def test_payloads_are_random_url_safe_short_and_never_a_case_id() -> None:
    assert TOKEN_BYTES * 8 >= 72
    seen = set()
    for kind in ("join", "invite", "group"):
        for _ in range(200):
            payload = new_payload(kind)
            assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", payload)
            assert not ID_PATTERN.match(payload)
            assert kind_of(payload) == kind
            seen.add(payload)
    assert len(seen) == 600
    for bad in ("J_short", "J_" + "a" * 17, "J_abc!defghijklmno", "X_" + "a" * 16, "j_" + "a" * 16):
        assert kind_of(bad) is None
    assert kind_of("extradural-hematoma") is None


async def test_only_instructors_create_and_only_a_class_s_own_instructors_manage_it(
    room: c.Classroom, store: Store
) -> None:
    await refused(room.create(STUDENT, "Neuro"), INSTRUCTORS_ONLY)
    opened = await room.create(OWNER, "  Neuro \n 2026 ")
    assert opened.cls is not None and opened.cls.name == "Neuro 2026"
    class_id = opened.cls.id
    await room.roster.add(CO, OWNER)
    for attempt in (
        room.rename(CO, class_id, "Mine now"),
        room.archive(CO, class_id),
        room.new_link(CO, class_id, "join"),
        room.revoke(CO, class_id, "join"),
        room.members(CO, class_id),
        room.summary(CO, class_id),
    ):
        await refused(attempt, c.NOT_YOURS)
    await refused(room.rename(STUDENT, class_id, "x"), INSTRUCTORS_ONLY)
    cls = await store.classes.get(class_id)
    assert cls is not None and cls.name == "Neuro 2026" and not cls.archived
    assert not await room.teaches(CO, class_id) and await room.teaches(OWNER, class_id)
    await refused(room.create(OWNER, "   "), c.NO_NAME)
    await refused(room.create(OWNER, "x" * 65), c.LONG_NAME)
    assert await room.classes_of(STUDENT) == []


async def test_a_request_handled_twice_makes_one_class_with_one_join_link(
    room: c.Classroom,
) -> None:
    first = await room.create(OWNER, "Neuro", origin="7")
    again = await room.create(OWNER, "Neuro", origin="7")
    assert again == first
    assert [s.cls.id for s in await room.overview(OWNER)] == [first.cls.id if first.cls else 0]


async def test_join_links_check_out_or_get_one_line(room: c.Classroom, store: Store) -> None:
    opened = await room.create(OWNER, "Neuro")
    assert opened.cls is not None
    join, group = await room.links(OWNER, opened.cls.id)
    assert join is not None and group is not None
    cls, new = await room.join(join.token, STUDENT, "Ann")
    assert (cls.id, new) == (opened.cls.id, True)
    assert (await room.join(join.token, STUDENT, "Ann"))[1] is False
    await refused(room.join(join.token[:-1], OTHER, "Bo"), c.LINK_MALFORMED)
    await refused(room.join("J_" + "A" * 16, OTHER, "Bo"), c.LINK_UNKNOWN)
    await refused(room.join(group.token, OTHER, "Bo"), c.WRONG_PLACE["group"])
    fresh = await room.new_link(OWNER, opened.cls.id, "join")
    await refused(room.join(join.token, OTHER, "Bo"), c.LINK_REVOKED)
    await room.join(fresh.token, OTHER, "Bo")
    assert [m.user_id for m in await room.recipients(opened.cls.id)] == [STUDENT, OTHER]
    await room.archive(OWNER, opened.cls.id)
    await refused(room.join(fresh.token, 12, "Cy"), c.LINK_REVOKED)
    assert await room.links(OWNER, opened.cls.id) == (None, None)
    assert [cl.id for cl, _ in await room.my_classes(STUDENT)] == [opened.cls.id]


async def test_an_invite_works_once_and_only_owners_make_them(room: c.Classroom) -> None:
    await refused(room.roster.invite(STUDENT), INSTRUCTORS_ONLY)
    invite = await room.roster.invite(OWNER)
    await room.roster.add(CO, OWNER)
    await refused(room.roster.invite(CO), OWNERS_ONLY)
    await refused(room.join(invite.token, STUDENT, "Ann"), c.WRONG_PLACE["invite"])
    accepted = await room.accept_invite(invite.token, STUDENT)
    assert accepted.cls is None and await room.roster.is_instructor(STUDENT)
    assert (await room.accept_invite(invite.token, STUDENT)).link.token == invite.token
    await refused(room.accept_invite(invite.token, OTHER), c.LINK_USED)
    assert not await room.roster.is_instructor(OTHER)


async def test_a_removed_instructor_s_classes_pass_to_an_owner(room: c.Classroom) -> None:
    await room.roster.add(CO, OWNER)
    opened = await room.create(CO, "Chest")
    assert opened.cls is not None
    removed = await room.roster.remove(CO)
    assert (removed.owner, removed.classes) == (OWNER, (opened.cls.id,))
    assert await room.teaches(OWNER, opened.cls.id) and not await room.teaches(CO, opened.cls.id)
    await refused(room.roster.remove(CO), f"{CO} is not an instructor.")
    await refused(
        room.roster.remove(OWNER),
        f"{OWNER} is an owner: remove them from TUTORBOT_INSTRUCTORS instead.",
    )
    assert [t.user_id for t in await room.roster.list()] == [OWNER]


async def test_a_group_joins_when_an_admin_confirms_and_follows_a_migration(
    room: c.Classroom,
) -> None:
    opened = await room.create(OWNER, "Chest")
    assert opened.cls is not None
    _, group = await room.links(OWNER, opened.cls.id)
    assert group is not None
    waiting = await room.group_start(group.token, -40, "Club", STUDENT, admin=False)
    assert not waiting.confirmed and await room.groups(opened.cls.id) == []
    done = await room.confirm_group(opened.cls.id, -40, OTHER)
    assert done.confirmed and done.group.confirmed_by == OTHER
    assert await room.migrated(-40, -1001) == 1
    assert [g.chat_id for g in await room.groups(opened.cls.id)] == [-1001]
    summary = await room.summary(OWNER, opened.cls.id)
    assert (summary.groups, summary.waiting_groups) == (1, 0)
    assert await room.bot_removed(-1001) == 1
    assert await room.groups(opened.cls.id) == []


async def test_students_leave_and_mute_their_own_classes_only(room: c.Classroom) -> None:
    opened = await room.create(OWNER, "Chest")
    assert opened.cls is not None and opened.link is not None
    await room.join(opened.link.token, STUDENT, "Ann")
    await room.mute(STUDENT, opened.cls.id, True)
    assert await room.recipients(opened.cls.id) == []
    summary = await room.summary(OWNER, opened.cls.id)
    assert (summary.members, summary.muted) == (1, 1)
    await refused(room.mute(OTHER, opened.cls.id, True), c.NOT_MEMBER)
    await room.leave(STUDENT, opened.cls.id)
    await refused(room.leave(STUDENT, opened.cls.id), c.NOT_MEMBER)
    assert await room.my_classes(STUDENT) == []
