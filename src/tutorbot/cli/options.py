"""What several commands share: the ``--cases`` option, the settings, one case, the problem report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeAlias

from tutorbot.cases.library import CaseNotFound, resolve_case
from tutorbot.cases.model import Case
from tutorbot.cases.problems import Problem
from tutorbot.errors import CommandError
from tutorbot.settings import Settings

# What ``add_subparsers`` returns; argparse keeps its class private.
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_cases_option(parser: argparse.ArgumentParser) -> None:
    """``--cases DIR``, read by :func:`settings_from`."""
    parser.add_argument(
        "--cases",
        type=Path,
        default=None,
        metavar="DIR",
        help="the cases folder (default: $TUTORBOT_CASES or ./cases)",
    )


def add_attempts_option(parser: argparse.ArgumentParser) -> None:
    """``--attempts N``, read by :func:`settings_from`."""
    parser.add_argument(
        "--attempts",
        type=int,
        metavar="N",
        help="attempts at the diagnosis (default: $TUTORBOT_ATTEMPTS or 2)",
    )


def settings_from(args: argparse.Namespace, **overrides: Any) -> Settings:
    """The settings from the environment, with ``--cases``, ``--attempts`` (where the
    command has them) and ``overrides`` (other flags; ``None`` when not given) winning."""
    given = {"attempts": getattr(args, "attempts", None), **overrides}
    return Settings.from_env(cases=args.cases, **given)


def report(problems: Iterable[Problem]) -> None:
    """Each problem on stderr as ``file:line: message (fix: ...)``."""
    for problem in problems:
        print(problem, file=sys.stderr)


def require_cases_folder(settings: Settings) -> Path:
    """The configured cases folder, or a :class:`CommandError` saying it is missing."""
    if not settings.cases.is_dir():
        raise CommandError(
            f"the cases folder {settings.cases} does not exist (set TUTORBOT_CASES or use --cases)"
        )
    return settings.cases


def load_one_case(id_or_path: str, cases_dir: Path) -> Case:
    """The case named by id or path, its problems reported on stderr; a
    :class:`CommandError` when it is not there or has errors."""
    try:
        result = resolve_case(id_or_path, cases_dir)
    except CaseNotFound:
        raise CommandError(
            f"there is no case `{id_or_path}` in {cases_dir}, and no such path"
        ) from None
    report(result.problems)
    if result.case is None:
        raise CommandError(f"{result.path} has errors (listed above); fix them and try again")
    return result.case
