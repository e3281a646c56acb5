"""``tutorbot play``: the tutor in a terminal."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from tutorbot.cases.library import load_library
from tutorbot.cli.options import (
    Subcommands,
    add_attempts_option,
    add_cases_option,
    load_one_case,
    require_cases_folder,
    settings_from,
)
from tutorbot.errors import CommandError

if TYPE_CHECKING:
    from tutorbot.cases.model import Case


def register(subcommands: Subcommands) -> None:
    """Add ``tutorbot play`` to the CLI."""
    parser = subcommands.add_parser(
        "play",
        help="play a case in the terminal",
        description=(
            "Play cases in the terminal. Type next, hint, skip, reveal, restart, describe or "
            "quit; at the diagnosis question anything else is your answer. On a terminal: "
            "line editing and history, n/h/s/r/q for next/hint/skip/reveal/quit, and a case "
            "list to pick from. Reads from a pipe too (then exactly the typed words)."
        ),
    )
    parser.add_argument(
        "--case",
        metavar="ID_OR_PATH",
        help="the case to play (default: pick from a list; in a pipe, the first published case)",
    )
    add_cases_option(parser)
    add_attempts_option(parser)
    parser.set_defaults(func=play)


def play(args: argparse.Namespace) -> int:
    """``tutorbot play [--case ID_OR_PATH]``."""
    from tutorbot.console.play import Player, interactive
    from tutorbot.console.terminal import Terminal
    from tutorbot.grading import LexiconError, grader_for
    from tutorbot.tutor import Tutor

    settings = settings_from(args)
    case: Case | None = None
    if args.case:
        case = load_one_case(args.case, settings.cases)
        cases_dir = case.folder.parent
        library = load_library([cases_dir]) if cases_dir.is_dir() else load_library([])
    else:
        library = load_library([require_cases_folder(settings)])
        cases_dir = settings.cases
    for problem in library.errors:
        print(f"skipped: {problem}", file=sys.stderr)
    if case is None and library.next_unseen([]) is None:
        raise CommandError(f"there are no published cases in {settings.cases}")
    try:
        grader = grader_for(cases_dir)
    except LexiconError as error:
        raise CommandError(str(error)) from None
    terminal = Terminal(sys.stdout) if interactive() else None
    if case is None:
        if terminal is None:
            case = library.next_unseen([])
        else:  # the learner picks; a title that names the diagnosis is not shown
            case = terminal.pick(library.published(), lambda c: Tutor(c, grader).title)
        if case is None:
            return 0
    player = Player(library, grader, settings.attempts, sys.stdout, terminal)
    return player.play(case, sys.stdin.buffer, prompt=interactive())
