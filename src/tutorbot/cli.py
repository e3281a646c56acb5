"""The ``tutorbot`` command: each feature registers its own subcommands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tutorbot.errors import CommandError
from tutorbot.settings import SettingsError

__all__ = ["CommandError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    from tutorbot.cases import commands as case_commands
    from tutorbot.console import commands as console_commands
    from tutorbot.grading import commands as grading_commands
    from tutorbot.telegram import commands as telegram_commands

    parser = argparse.ArgumentParser(
        prog="tutorbot",
        description="A tutor for case-based radiology learning, in Telegram or the terminal.",
    )
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    console_commands.register(subcommands)
    telegram_commands.register(subcommands)
    grading_commands.register(subcommands)
    case_commands.register(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
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
