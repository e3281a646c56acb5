"""The commands, per audience: one list each for the command menu (setMyCommands) and /help.

Telegram shows a chat the menu of the narrowest scope that has one
(https://core.telegram.org/bots/api#determining-list-of-commands): learners get
theirs in private chats, instructors get theirs in their own private chat's
scope, groups get the group's own short list, and the default scope is left
empty so no chat sees commands that are not for it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
)
from telegram.error import TelegramError

from tutorbot.tutor.words import WORDS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    """A command as the menu shows it (``about``) and as /help explains it (``help``)."""

    name: str
    about: str
    help: str


LEARNER_COMMANDS: tuple[Command, ...] = (
    Command(
        "case",
        "the next case (or /case <id or tag>)",
        "the next case you have not done (or /case <id or tag>)",
    ),
    Command(
        "cases",
        "every case, marked when done (or /cases <tag>)",
        "every case, with ✅ 🟡 ❌ for the ones you have done (or /cases <tag>)",
    ),
    Command("hint", "a hint for this case", "a hint"),
    Command("skip", "skip to the diagnosis question", "skip to the diagnosis question"),
    Command("reveal", "give up and see the answer", "give up and see the answer"),
    Command("restart", "start this case again", "start this case again"),
    Command("stop", "stop this case", "stop this case"),
    Command("stats", "cases done, accuracy, streak", "cases done, accuracy, streak"),
    Command("myanswers", "the answers you gave", "the answers you gave, newest first"),
    Command(
        "forget_me",
        "delete your answers and progress",
        "delete every answer and your progress (asks first)",
    ),
    Command(
        "anonymous",
        "appear as Anonymous in group rounds",
        "appear as “Anonymous” in group rounds' summaries and leaderboards (on/off)",
    ),
    Command("help", "what I can do", "this message"),
)

#: A student's classes (handled by the membership router, not the learner's).
MEMBER_COMMANDS: tuple[Command, ...] = (
    Command(
        "classes", "your classes: leave or mute one", "the classes you are in (leave or mute one)"
    ),
)

#: What an instructor can do besides, in their own private chat's menu.
INSTRUCTOR_COMMANDS: tuple[Command, ...] = (
    Command("newclass", "create a class: /newclass <name>", "create a class: /newclass <name>"),
    Command("invite", "a one-time link for a co-instructor (owners)", "invite a co-instructor"),
    Command("push", "push a case to a class now", "push a case to a class now"),
    Command("schedule", "a weekly slot or a one-off push", "schedule pushes for a class"),
    Command("schedules", "your schedules: pause, resume, skip, delete", "your schedules"),
)

#: Every private chat's menu, and an instructor's (in their chat's own scope).
PRIVATE_COMMANDS: tuple[Command, ...] = (
    LEARNER_COMMANDS[:-1] + MEMBER_COMMANDS + LEARNER_COMMANDS[-1:]
)
INSTRUCTOR_MENU_COMMANDS: tuple[Command, ...] = (
    PRIVATE_COMMANDS[:-1] + INSTRUCTOR_COMMANDS + PRIVATE_COMMANDS[-1:]
)

#: A group plays rounds: one case together, answers hidden until the reveal.
GROUP_COMMANDS: tuple[Command, ...] = (
    Command(
        "case",
        "start a round (or /case <id> 24h)",
        "start a round: pick a case, or /case <id> [deadline like 30m, 24h, 2d]",
    ),
    Command("dx", "answer the round: /dx <diagnosis>", "answer: /dx <diagnosis>"),
    Command("reveal", "reveal the round now", "reveal the round now (starter, admins)"),
    Command("leaderboard", "points this week and all time", "points this week and all time"),
    Command(
        "groupsettings",
        "who starts rounds, verdicts, deadline, zone",
        "show or change the group's settings (admins)",
    ),
    Command("help", "how rounds work", "this message"),
)

GROUP_HELP: tuple[str, ...] = (
    "Case rounds: one case for the whole group. An admin starts one with /case; the "
    "history comes first, then each stage's images (Next ▶ on the status message).",
    "Answer privately with the ✍️ button (nobody sees your answer), with /dx <diagnosis>, "
    "or by replying to the status message. The last answer counts; all stay hidden "
    "until the reveal, at the deadline or by /reveal.",
    "",
    *(f"/{command.name} – {command.help}" for command in GROUP_COMMANDS),
)

#: The commands handled in a private chat: the menu's, plus /start (Telegram's own button).
HANDLED: tuple[str, ...] = ("start", *(command.name for command in LEARNER_COMMANDS))

HELP: tuple[str, ...] = (
    "I show you radiology cases step by step: the history, the images, the findings, "
    "then you give your diagnosis and I grade it.",
    "",
    *(f"/{command.name} – {command.help}" for command in PRIVATE_COMMANDS),
    "",
    f"You can also type {', '.join(list(WORDS)[:-1])} or {list(WORDS)[-1]} as plain words.",
)

#: The learners' command menu, as setMyCommands takes it: (name, description).
COMMANDS: tuple[tuple[str, str], ...] = tuple((c.name, c.about) for c in PRIVATE_COMMANDS)

#: An instructor's menu, in the scope of their private chat.
INSTRUCTOR_MENU: tuple[tuple[str, str], ...] = tuple(
    (c.name, c.about) for c in INSTRUCTOR_MENU_COMMANDS
)

#: The groups' command menu.
GROUP_MENU: tuple[tuple[str, str], ...] = tuple((c.name, c.about) for c in GROUP_COMMANDS)


async def set_menus(bot: Bot) -> None:
    """Register each audience's menu in its scope, and clear the default scope's (an
    earlier release put the learners' menu there, which groups saw too)."""
    await bot.set_my_commands(
        [BotCommand(name, about) for name, about in COMMANDS],
        scope=BotCommandScopeAllPrivateChats(),
    )
    await bot.set_my_commands(
        [BotCommand(name, about) for name, about in GROUP_MENU],
        scope=BotCommandScopeAllGroupChats(),
    )
    await bot.delete_my_commands()


async def set_instructor_menus(bot: Bot, user_ids: Iterable[int], *, on: bool = True) -> None:
    """Give instructors their menu in their own private chat's scope (``on=False``: take it
    back, for someone no longer an instructor). A user who never opened a chat with the
    bot has no chat to scope to yet; that is logged and skipped."""
    for user_id in user_ids:
        scope = BotCommandScopeChat(user_id)
        try:
            if on:
                commands = [BotCommand(name, about) for name, about in INSTRUCTOR_MENU]
                await bot.set_my_commands(commands, scope=scope)
            else:
                await bot.delete_my_commands(scope=scope)
        except TelegramError as error:
            log.info("Could not set the instructor menu of %s: %s", user_id, error)
