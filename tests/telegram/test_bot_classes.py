"""Instructors and classes in Telegram: invites, classes, joining by link, students in control,
and every instructor command and button refused to anyone else."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.auxil.botapi import BotApiEmulator, FakeUser, SentMessage
from tests.telegram.botflow import SEED, running, says, settings_for, to, with_button
from tutorbot.app import classes as c
from tutorbot.app.instructors import INSTRUCTORS_ONLY, OWNERS_ONLY
from tutorbot.app.pushes import create_push, new_token
from tutorbot.storage import NewPush, SessionKey, Store, open_store
from tutorbot.telegram import callbacks
from tutorbot.telegram.callbacks import INSTRUCTOR_ACTIONS
from tutorbot.telegram.menu import INSTRUCTOR_MENU
from tutorbot.telegram.routers.instructor import IN_PRIVATE

LINK = r"https://t\.me/tutorbot_test_bot\?start=([A-Z]_[A-Za-z0-9_-]{16})"
GROUP_LINK = r"https://t\.me/tutorbot_test_bot\?startgroup=(G_[A-Za-z0-9_-]{16})"


class World:
    """The bot running with one owner, and a store open on its database to check."""

    def __init__(self, botapi: BotApiEmulator, owner: FakeUser, store: Store) -> None:
        self.botapi = botapi
        self.owner = owner
        self.store = store

    async def says(self, user: FakeUser, text: str) -> SentMessage:
        return await says(self.botapi, user, text)

    async def press(self, message: SentMessage, label: str, user: FakeUser) -> SentMessage:
        mark = self.botapi.mark()
        self.botapi.press_button(message, label, user=user)
        return await self.botapi.wait_for(to(user, lambda m: True), since=mark)

    async def new_class(self, name: str = "Neuro <2026>") -> tuple[int, str, str]:
        """The owner makes a class: its id, join payload and group payload."""
        made = await self.says(self.owner, f"/newclass {name}")
        join = re.search(LINK, made.content)
        group = re.search(GROUP_LINK, made.content)
        assert join and group, made.content
        classes = await self.store.classes.of_instructor(self.owner.id)
        return classes[-1].id, join[1], group[1]


@pytest.fixture
async def world(botapi: BotApiEmulator, tmp_path: Path) -> AsyncIterator[World]:
    owner = botapi.user("Olivia")
    settings = replace(settings_for(botapi, tmp_path / "bot.db"), instructors=frozenset({owner.id}))
    store = await open_store(settings.database)
    try:
        async with running(botapi, settings):
            yield World(botapi, owner, store)
    finally:
        await store.close()


async def test_an_owner_invites_a_co_instructor_who_confirms_once(world: World) -> None:
    botapi = world.botapi
    invited = await world.says(world.owner, "/invite")
    payload = re.search(LINK, invited.content)
    assert payload and payload[1].startswith("I_") and "works once" in invited.content
    bob, eve = botapi.user("Bob"), botapi.user("Eve")
    offer = await world.says(bob, f"/start {payload[1]}")
    assert offer.content.startswith("Become an instructor?")
    assert not await world.store.instructors.list()  # nothing until Bob confirms
    mark = botapi.mark()
    done = await world.press(offer, "Accept", bob)
    assert done.content.startswith("You are an instructor now.")
    told = await botapi.wait_for(
        to(world.owner, lambda m: "accepted your invite" in m.content), since=mark
    )
    assert told.content == "Bob accepted your invite: an instructor."
    menus = [
        p
        for _, p in botapi.calls("setMyCommands")
        if (p.get("scope") or {}).get("chat_id") == bob.id
    ]
    assert [c["command"] for c in menus[-1]["commands"]] == [name for name, _ in INSTRUCTOR_MENU]
    assert (await world.says(eve, f"/start {payload[1]}")).content == c.LINK_USED
    assert [i.user_id for i in await world.store.instructors.list()] == [bob.id]
    assert (await world.says(bob, "/invite")).content == OWNERS_ONLY  # co-instructors do not invite
    made = await world.says(bob, "/newclass Chest")
    assert made.content.startswith("Class “Chest” is ready.")


async def test_a_class_is_made_joined_muted_and_left(world: World) -> None:
    botapi = world.botapi
    class_id, join, _ = await world.new_class()
    ann = botapi.user("Ann", last_name="Lee")
    offer = await world.says(ann, f"/start {join}")
    assert offer.content.startswith("Join the class “Neuro <2026>”?")
    assert "will see your answers to the class's cases" in offer.content
    assert await world.store.members.of_class(class_id) == []
    joined = await world.press(offer, "Join", ann)
    assert joined.content.startswith("You joined “Neuro <2026>”.")
    member = await world.store.members.get(class_id, ann.id)
    assert member is not None and member.name == "Ann Lee"
    assert (await world.says(ann, f"/start {join}")).content.startswith(
        "You are in “Neuro <2026>” already."
    )
    mine = await world.says(ann, "/classes")
    assert mine.content.startswith("Classes you are in:\n• Neuro <2026>")
    muted = await world.press(mine, "Mute Neuro <2026>", ann)
    assert "is muted" in muted.content
    assert await world.store.members.recipients(class_id) == []
    again = await world.says(ann, "/classes")
    assert "• Neuro <2026> (muted)" in again.content
    await world.press(again, "Unmute Neuro <2026>", ann)
    assert [m.user_id for m in await world.store.members.recipients(class_id)] == [ann.id]
    left = await world.press(again, "Leave Neuro <2026>", ann)
    assert left.content.startswith("You left “Neuro <2026>”")
    assert await world.store.members.of_class(class_id) == []
    assert (await world.says(ann, "/classes")).content == (
        "You are in no class yet: your instructor gives you a link to join one."
    )
    count = len(botapi.sent(ann))
    update = botapi.press_button(
        again, "Unmute Neuro <2026>", user=ann
    )  # an old button, after leaving
    await botapi.wait_until_handled(update)
    assert botapi.callback_answers[-1].get("text") == c.NOT_MEMBER
    assert len(botapi.sent(ann)) == count
    assert await world.store.members.of_class(class_id) == []


async def test_an_instructor_manages_a_class_from_its_card(world: World) -> None:
    botapi, owner = world.botapi, world.owner
    class_id, join, _ = await world.new_class()
    listing = await world.says(owner, "/classes")
    assert "• Neuro <2026> – 0 members, 0 groups" in listing.content
    card = await world.press(listing, "Neuro <2026>", owner)
    assert card.content.startswith("Neuro <2026>\nMembers: 0\nGroups: 0\nInstructors: 1")
    assert join in card.content
    revoked = await world.press(card, "Revoke join link", owner)
    assert "turned off" in revoked.content
    ann = botapi.user("Ann")
    assert (await world.says(ann, f"/start {join}")).content == c.LINK_REVOKED
    fresh = await world.press(revoked, "New join link", owner)
    new_join = re.search(LINK, fresh.content)
    assert new_join and new_join[1] != join
    prompt = await world.press(card, "Rename", owner)
    assert prompt.params["reply_markup"]["force_reply"] is True
    renamed = await says_reply(botapi, owner, prompt, "Neuro  2027")
    assert renamed.content == "Renamed: “Neuro 2027”."
    cls = await world.store.classes.get(class_id)
    assert cls is not None and cls.name == "Neuro 2027"
    archived = await world.press(card, "Archive", owner)
    assert "is archived" in archived.content
    assert (await world.says(ann, f"/start {new_join[1]}")).content == c.LINK_REVOKED
    back = await world.press(archived, "Unarchive", owner)
    assert back.content.startswith("“Neuro 2027” is back")


async def says_reply(
    botapi: BotApiEmulator, user: FakeUser, message: SentMessage, text: str
) -> SentMessage:
    mark = botapi.mark()
    botapi.reply_to(message, text, user=user)
    return await botapi.wait_for(to(user, lambda m: True), since=mark)


async def test_bad_links_get_one_line_each(world: World) -> None:
    _, join, group = await world.new_class()
    ann = world.botapi.user("Ann")
    assert (await world.says(ann, f"/start {join[:-2]}")).content == c.LINK_MALFORMED
    assert (await world.says(ann, "/start J_" + "A" * 16)).content == c.LINK_UNKNOWN
    assert (await world.says(ann, f"/start {group}")).content == c.WRONG_PLACE["group"]
    assert (await world.says(ann, "/start I_short")).content == c.LINK_MALFORMED
    assert await world.store.members.of_user(ann.id) == []


async def test_every_instructor_command_and_button_does_nothing_for_anyone_else(
    world: World,
) -> None:
    botapi = world.botapi
    class_id, join, _ = await world.new_class()
    before = await world.store.classes.get(class_id)
    links_before = await world.store.links.of_class(class_id, "join")
    ann = botapi.user("Ann")
    for command in ("/newclass Mine", "/invite"):
        assert (await world.says(ann, command)).content == INSTRUCTORS_ONLY
    assert [p for _, p in botapi.calls("deleteMyCommands") if p.get("scope")]  # menu taken back
    card = await world.press(await world.says(world.owner, "/classes"), "Neuro <2026>", world.owner)
    group = botapi.group("Club")
    for action in INSTRUCTOR_ACTIONS:  # forged presses of the owner's card's buttons
        answered, count = len(botapi.callback_answers), len(botapi.sent(ann))
        update = botapi.press(card, callbacks.encode_class(action, class_id), user=ann, check=False)
        await botapi.wait_until_handled(update)
        assert [a.get("text") for a in botapi.callback_answers[answered:]] == [INSTRUCTORS_ONLY]
        assert len(botapi.sent(ann)) == count, action
    for command in ("/newclass Mine", "/invite", "/classes", "/push", "/schedule", "/schedules"):
        for who in (ann, world.owner):
            count = len(botapi.sent(group))
            update = botapi.send_text(who, group, command)
            await botapi.wait_until_handled(update)
            assert [m.content for m in botapi.sent(group)[count:]] == [IN_PRIVATE], command
    in_group = botapi.sent(group)[-1]
    for action in INSTRUCTOR_ACTIONS:  # the same buttons, forged in the group
        answered, count = len(botapi.callback_answers), len(botapi.sent())
        data = callbacks.encode_class(action, class_id)
        update = botapi.press(in_group, data, user=ann, check=False)
        await botapi.wait_until_handled(update)
        assert [a.get("text") for a in botapi.callback_answers[answered:]] == [INSTRUCTORS_ONLY]
        assert len(botapi.sent()) == count, action
    assert await world.store.classes.get(class_id) == before
    assert await world.store.links.of_class(class_id, "join") == links_before
    assert [x.id for x in await world.store.classes.list(archived=True)] == [class_id]
    assert join in card.content


async def test_a_class_s_links_and_offers_outlive_a_restart(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    owner, ann = botapi.user("Olivia"), botapi.user("Ann")
    settings = replace(settings_for(botapi, tmp_path / "bot.db"), instructors=frozenset({owner.id}))
    async with running(botapi, settings):
        made = await says(botapi, owner, "/newclass Neuro")
        join = re.search(LINK, made.content)
        assert join
        offer = await says(botapi, ann, f"/start {join[1]}")
    async with running(botapi, settings):  # Ann presses Join on the offer from before
        mark = botapi.mark()
        botapi.press_button(offer, "Join", user=ann)
        joined = await botapi.wait_for(to(ann, lambda m: True), since=mark)
        assert joined.content.startswith("You joined “Neuro”.")
        listing = await says(botapi, owner, "/classes")
        assert "• Neuro – 1 member, 0 groups" in listing.content


async def test_a_co_instructor_cannot_touch_another_instructor_s_class(world: World) -> None:
    botapi = world.botapi
    class_id, _, _ = await world.new_class()
    bob = botapi.user("Bob")
    await world.store.instructors.add(bob.id, world.owner.id, datetime.now(UTC))
    card = await world.press(await world.says(world.owner, "/classes"), "Neuro <2026>", world.owner)
    for action in INSTRUCTOR_ACTIONS:
        answered, count = len(botapi.callback_answers), len(botapi.sent(bob))
        update = botapi.press(card, callbacks.encode_class(action, class_id), user=bob, check=False)
        await botapi.wait_until_handled(update)
        assert [a.get("text") for a in botapi.callback_answers[answered:]] == [c.NOT_YOURS]
        assert len(botapi.sent(bob)) == count, action
    assert (await world.says(bob, "/classes")).content.startswith("You have no classes yet.")
    cls = await world.store.classes.get(class_id)
    assert cls is not None and cls.instructors == (world.owner.id,) and not cls.archived


async def test_a_student_who_joins_gets_the_class_s_current_case(world: World) -> None:
    botapi = world.botapi
    class_id, join, _ = await world.new_class()
    push, _ = await create_push(
        world.store,
        NewPush(class_id, SEED, "A tired runner", "Neuro <2026>", new_token(), world.owner.id),
        [],
        datetime.now(UTC),
    )
    ann = botapi.user("Ann")
    offer = await world.says(ann, f"/start {join}")
    mark = botapi.mark()
    botapi.press_button(offer, "Join", user=ann)
    card = await botapi.wait_for(to(ann, with_button("▶ Start")), since=mark)
    assert card.content == "Case of the week from Neuro <2026>: A tired runner"
    joined = [m for m in botapi.sent(ann) if m.content.startswith("You joined")]
    assert joined and joined[0].message_id < card.message_id
    mark = botapi.mark()
    botapi.press_button(card, "▶ Start", user=ann)
    await botapi.wait_for(to(ann, lambda m: True), since=mark)
    session = await world.store.sessions.get(SessionKey(ann.id, 0, ann.id))
    assert session is not None and session.case_id == push.case_id == SEED


async def test_a_student_who_joins_a_class_without_pushes_gets_no_card(world: World) -> None:
    botapi = world.botapi
    _, join, _ = await world.new_class()
    ann = botapi.user("Ann")
    offer = await world.says(ann, f"/start {join}")
    update = botapi.press_button(offer, "Join", user=ann)
    await botapi.wait_until_handled(update)
    assert [m.content.split("”")[0] for m in botapi.sent(ann)[-1:]] == ["You joined “Neuro <2026>"]
