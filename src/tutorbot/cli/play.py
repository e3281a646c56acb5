"""``tutorbot play``: the tutor in a terminal."""

from __future__ import annotations

import argparse
import sys

from tutorbot.cases.library import load_library
from tutorbot.cases.model import Case
from tutorbot.cli.options import (
    Subcommands,
    add_cases_option,
    load_one_case,
    require_cases_folder,
    settings_from,
)
from tutorbot.console.play import Player, interactive
from tutorbot.errors import CommandError
from tutorbot.grading import LexiconError, grader_for


def register(subcommands: Subcommands) -> None:
    """Add ``tutorbot play`` to the CLI."""
    parser = subcommands.add_parser(
        "play",
        help="play a case in the terminal",
        description=(
            "Play cases in the terminal. Type next, hint, skip, reveal, restart or quit; "
            "at the diagnosis question anything else is your answer. Reads from a pipe too."
        ),
    )
    parser.add_argument(
        "--case", metavar="ID_OR_PATH", help="the case to play (default: the first published case)"
    )
    add_cases_option(parser)
    parser.add_argument(
        "--attempts",
        type=int,
        metavar="N",
        help="attempts at the diagnosis (default: $TUTORBOT_ATTEMPTS or 2)",
    )
    parser.set_defaults(func=play)


def play(args: argparse.Namespace) -> int:
    """``tutorbot play [--case ID_OR_PATH]``."""
    settings = settings_from(args, attempts=args.attempts)
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
    if case is None:
        case = library.next_unseen([])
        if case is None:
            raise CommandError(f"there are no published cases in {settings.cases}")
    try:
        grader = grader_for(cases_dir)
    except LexiconError as error:
        raise CommandError(str(error)) from None
    player = Player(library, grader, settings.attempts, sys.stdout)
    return player.play(case, sys.stdin.buffer, prompt=interactive())
