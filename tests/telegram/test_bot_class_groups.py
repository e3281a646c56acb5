"""Group chats joining a class by its ``?startgroup=`` link: an admin confirms (also an
anonymous one), others cannot; a migrated group stays in its class; a group that removed
the bot leaves it; wrong links get one line."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.auxil.botapi import BotApiEmulator, FakeChat, FakeUser, SentMessage
from tests.telegram.botflow import eventually, running, says, settings_for
from tutorbot.app import classes as c
from tutorbot.storage import Store, open_store
from tutorbot.telegram.routers.membership import ADMINS_ONLY

BOT = "tutorbot_test_bot"
JOIN = r"\?start=(J_[A-Za-z0-9_-]{16})"
GROUP_LINK = r"\?startgroup=(G_[A-Za-z0-9_-]{16})"
JOINED = "This group is now part of the class “Neuro”"


@dataclass
class Setup:
    botapi: BotApiEmulator
    store: Store
    owner: FakeUser
    class_id: int
    join: str
    group_payload: str

    async def start_in(
        self, chat: FakeChat, user: FakeUser, *, anonymous: bool = False
    ) -> SentMessage:
        """``user`` (or an anonymous admin) sends ``/start <group link>`` in ``chat``, as
        Telegram does once the link added the bot; the bot's answer there."""
        mark = self.botapi.mark()
        self.botapi.send_text(user, chat, f"/start@{BOT} {self.group_payload}", anonymous=anonymous)
        return await self.botapi.wait_for(lambda m: m.chat_id == chat.id, since=mark)

    async def live_groups(self) -> list[int]:
        return [g.chat_id for g in await self.store.groups.of_class(self.class_id)]


@pytest.fixture
async def setup(botapi: BotApiEmulator, tmp_path: Path) -> AsyncIterator[Setup]:
    owner = botapi.user("Olivia")
    settings = replace(settings_for(botapi, tmp_path / "bot.db"), instructors=frozenset({owner.id}))
    store = await open_store(settings.database)
    try:
        async with running(botapi, settings):
            made = await says(botapi, owner, "/newclass Neuro")
            join, group = re.search(JOIN, made.content), re.search(GROUP_LINK, made.content)
            assert join and group
            class_id = (await store.classes.of_instructor(owner.id))[0].id
            yield Setup(botapi, store, owner, class_id, join[1], group[1])
    finally:
        await store.close()


async def test_an_admin_s_group_link_joins_the_group_at_once_and_it_survives_migration(
    setup: Setup,
) -> None:
    botapi = setup.botapi
    gina = botapi.user("Gina")
    club = botapi.group("Club", supergroup=False)
    botapi.groups.make_admin(club, gina)
    added = botapi.groups.add_bot(club, gina)
    await botapi.wait_until_handled(added)
    said = await setup.start_in(club, gina)
    assert said.content.startswith(JOINED)
    assert await setup.live_groups() == [club.id]
    summary = await setup.store.groups.get(setup.class_id, club.id)
    assert summary is not None and summary.confirmed_by == gina.id
    bigger = botapi.groups.migrate(club)

    async def moved() -> bool:
        return await setup.live_groups() == [bigger.id]

    await eventually(moved)
    group = await setup.store.groups.get(setup.class_id, bigger.id)
    assert group is not None and group.migrated_from == club.id
    removed = botapi.groups.remove_bot(bigger, gina)
    await botapi.wait_until_handled(removed)
    assert await setup.live_groups() == []


async def test_a_member_s_group_link_waits_for_an_admin_s_confirm(setup: Setup) -> None:
    botapi = setup.botapi
    mo, gina = botapi.user("Mo"), botapi.user("Gina")
    club = botapi.group("Club")
    botapi.groups.member(club, mo)
    botapi.groups.make_admin(club, gina)
    await botapi.wait_until_handled(botapi.groups.add_bot(club, mo))
    asked = await setup.start_in(club, mo)
    assert asked.content.startswith("This group was added to the class “Neuro”.")
    assert [b["text"] for b in asked.buttons] == ["Confirm"]
    assert await setup.live_groups() == []
    for presser in (mo, setup.owner):  # a member, and the class's own instructor (no admin here)
        count = len(botapi.sent(club))
        update = botapi.press_button(asked, "Confirm", user=presser)
        await botapi.wait_until_handled(update)
        assert botapi.callback_answers[-1].get("text") == ADMINS_ONLY
        assert len(botapi.sent(club)) == count
    assert await setup.live_groups() == []
    count = len(botapi.sent(club))
    update = botapi.press_button(asked, "Confirm", user=gina)
    await botapi.wait_until_handled(update)
    assert botapi.sent(club)[count].content.startswith(JOINED)
    assert await setup.live_groups() == [club.id]


async def test_an_anonymous_admin_writes_as_the_group_and_is_an_admin(setup: Setup) -> None:
    botapi = setup.botapi
    gina = botapi.user("Gina")
    club = botapi.group("Club")
    botapi.groups.make_admin(club, gina, is_anonymous=True)
    await botapi.wait_until_handled(botapi.groups.add_bot(club, gina))
    said = await setup.start_in(club, gina, anonymous=True)
    assert said.content.startswith(JOINED)
    group = await setup.store.groups.get(setup.class_id, club.id)
    assert group is not None and group.live and group.confirmed_by == club.id


async def test_wrong_links_in_a_group_get_one_line_and_join_nothing(setup: Setup) -> None:
    botapi = setup.botapi
    gina = botapi.user("Gina")
    club = botapi.group("Club")
    botapi.groups.make_admin(club, gina)
    for text, line in (
        (f"/start@{BOT} {setup.join}", c.WRONG_PLACE["join"]),
        (f"/start@{BOT} G_short", c.LINK_MALFORMED),
        (f"/start@{BOT} G_" + "A" * 16, c.LINK_UNKNOWN),
    ):
        count = len(botapi.sent(club))
        await botapi.wait_until_handled(botapi.send_text(gina, club, text))
        assert [m.content for m in botapi.sent(club)[count:]] == [line]
    await setup.store.links.revoke(setup.group_payload, datetime.now(UTC))
    assert (await setup.start_in(club, gina)).content == c.LINK_REVOKED
    assert await setup.store.groups.of_chat(club.id) == []
