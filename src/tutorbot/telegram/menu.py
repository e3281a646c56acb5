"""The learner's commands: one list for the command menu (setMyCommands) and the /help text."""

from __future__ import annotations

from dataclasses import dataclass


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
        "the next case you have not seen (or /case <id or tag>)",
    ),
    Command("hint", "a hint for this case", "a hint"),
    Command("skip", "skip to the diagnosis question", "skip to the diagnosis question"),
    Command("reveal", "give up and see the answer", "give up and see the answer"),
    Command("restart", "start this case again", "start this case again"),
    Command("stop", "stop this case", "stop this case"),
    Command("stats", "cases done, accuracy, streak", "cases done, accuracy, streak"),
    Command("help", "what I can do", "this message"),
)

#: The commands handled in a private chat: the menu's, plus /start (Telegram's own button).
HANDLED: tuple[str, ...] = ("start", *(command.name for command in LEARNER_COMMANDS))

HELP: tuple[str, ...] = (
    "I show you radiology cases step by step: the history, the images, the findings, "
    "then you give your diagnosis and I grade it.",
    "",
    *(f"/{command.name} – {command.help}" for command in LEARNER_COMMANDS),
)

#: The command menu, as setMyCommands takes it: (name, description).
COMMANDS: tuple[tuple[str, str], ...] = tuple((c.name, c.about) for c in LEARNER_COMMANDS)
