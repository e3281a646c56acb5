"""The ``tutorbot`` command: argparse lives here, one module per command group.

:mod:`.play` (``play``), :mod:`.run` (``run``), :mod:`.grade` (``grade``), :mod:`.db` (``db``),
:mod:`.cases` (``cases list|show|validate``), :mod:`.authoring`
(``cases import|new|publish|schema``), :mod:`.classes` (``instructors ...``,
``classes ...``), :mod:`.curation` (``regrade``, ``review``), :mod:`.results`
(``results``); :mod:`.options` holds what several share.
Each handler turns the library's own exceptions into a :class:`CommandError`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tutorbot import __version__
from tutorbot.cli import authoring, cases, classes, curation, db, grade, play, results, run
from tutorbot.errors import CommandError
from tutorbot.settings import SettingsError

__all__ = ["CommandError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, subcommands in the order ``--help`` lists them."""
    parser = argparse.ArgumentParser(
        prog="tutorbot",
        description="A tutor for case-based radiology learning, in Telegram or the terminal.",
    )
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    play.register(subcommands)
    run.register(subcommands)
    grade.register(subcommands)
    curation.register(subcommands)
    results.register(subcommands)
    cases_parser = subcommands.add_parser("cases", help="list, show, check and write cases")
    case_actions = cases_parser.add_subparsers(
        dest="cases_command", metavar="ACTION", required=True
    )
    cases.register(case_actions)
    authoring.register(case_actions)
    db.register(subcommands)
    classes.register(subcommands)
    add_version(parser)
    return parser


def add_version(parser: argparse.ArgumentParser) -> None:
    """``--version`` on ``parser`` and on every subcommand under it."""
    parser.add_argument("--version", action="version", version=f"tutorbot {__version__}")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subcommand in action.choices.values():
                add_version(subcommand)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status (2 for a bad setting, 130 when interrupted)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except (CommandError, SettingsError) as error:
        print(f"tutorbot: {error}", file=sys.stderr)
        return error.exit_code if isinstance(error, CommandError) else 2
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`tutorbot cases list | head`); that is not an error.
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
