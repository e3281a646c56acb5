"""A first visit is welcomed once; every kind of message gets an answer; menus per scope."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.auxil.botapi import OTHER_KINDS, BotApiEmulator
from tests.telegram.botflow import SEED, asks_reply, running, says, settings_for, to, with_button
from tutorbot.telegram.menu import GROUP_COMMANDS, PRIVATE_COMMANDS

WELCOME = "Welcome! I am a radiology tutor."
TEXT_ONLY = "I can read text only"


async def test_the_first_start_welcomes_and_lists_the_commands(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        welcome = await says(botapi, alice, "/start")
        assert welcome.content.startswith(WELCOME) and "step by step" in welcome.content
        for command in PRIVATE_COMMANDS:
            assert f"/{command.name} – " in welcome.content
        assert "type next, hint, skip, reveal or restart" in welcome.content
        assert [b["text"] for b in welcome.buttons] == ["Start a case ▶"]
        again = await says(botapi, alice, "/start")  # a returning learner: no welcome again
        assert WELCOME not in again.content and again.content.startswith("Welcome back!")
        assert with_button("Start a case ▶")(again)


async def test_a_deep_link_welcomes_first_then_opens_the_case(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice, bob = botapi.user("Alice"), botapi.user("Bob")
    async with running(botapi, settings):
        first = await says(botapi, alice, f"/start {SEED}")
        assert first.content.startswith(WELCOME) and "/cases – " in first.content
        assert first.content.index(WELCOME) < first.content.index("Clinical history")
        assert with_button("Images ▶")(first)
        await says(botapi, bob, "/start")  # Bob has been here before ...
        link = await says(botapi, bob, f"/start {SEED}")  # ... so his link opens the case only
        assert WELCOME not in link.content and "Clinical history" in link.content


async def test_start_mid_case_says_where_you_were_without_the_welcome(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        await says(botapi, alice, f"/start {SEED}")
        back = await says(botapi, alice, "/start")
        assert back.content.startswith("Welcome back!") and WELCOME not in back.content
        assert "case in progress" in back.content


@pytest.mark.parametrize("kind", [k for k in OTHER_KINDS if k != "pinned_message"])
async def test_any_other_kind_of_message_gets_one_line(
    botapi: BotApiEmulator, tmp_path: Path, kind: str
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        mark = botapi.mark()
        botapi.send_other(alice, None, kind)
        idle = await botapi.wait_for(to(alice, lambda m: True), since=mark)
        assert idle.content.startswith(TEXT_ONLY) and "/case" in idle.content
        assert "\n" not in idle.content  # one line
        await says(botapi, alice, f"/start {SEED}")
        assert asks_reply(await says(botapi, alice, "/skip"))
        mark = botapi.mark()
        botapi.send_other(alice, None, kind, caption="pneumothorax")
        asked = await botapi.wait_for(to(alice, lambda m: True), since=mark)
        assert asked.content.startswith(TEXT_ONLY) and "type your diagnosis" in asked.content


async def test_service_messages_get_no_reply(botapi: BotApiEmulator, tmp_path: Path) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        pinned = botapi.send_other(alice, None, "pinned_message")
        await botapi.wait_until_handled(pinned)
        assert botapi.sent(alice) == []


async def test_each_audience_has_its_menu(botapi: BotApiEmulator, tmp_path: Path) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    async with running(botapi, settings):
        menus = {
            (params.get("scope") or {"type": "default"})["type"]: [
                c["command"] for c in params["commands"]
            ]
            for method, params in botapi.calls("setMyCommands")
        }
        cleared = [params.get("scope") for _, params in botapi.calls("deleteMyCommands")]
    assert menus == {
        "all_private_chats": [command.name for command in PRIVATE_COMMANDS],
        "all_group_chats": [command.name for command in GROUP_COMMANDS],
    }
    assert "cases" in menus["all_private_chats"]
    assert {"case", "dx", "reveal", "leaderboard"} <= set(menus["all_group_chats"])
    assert cleared == [None]  # the default scope (an earlier release's menu) cleared
