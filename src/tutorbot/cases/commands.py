"""``tutorbot cases ...``: list, show and validate cases (authoring adds more)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tutorbot.cases.library import CaseNotFound, load_library, resolve_case
from tutorbot.cases.model import Case
from tutorbot.cases.problems import Problem
from tutorbot.errors import CommandError
from tutorbot.settings import Settings


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser("cases", help="list, show, check and write cases")
    cases = parser.add_subparsers(dest="cases_command", metavar="ACTION", required=True)

    listing = cases.add_parser("list", help="list the cases: id, title, tags, stages, status")
    add_cases_option(listing)
    listing.set_defaults(func=list_cases)

    show = cases.add_parser("show", help="print one case, as text or JSON")
    show.add_argument("case", metavar="ID_OR_PATH", help="a case id or a path to a case folder")
    show.add_argument("--json", action="store_true", help="print the case as JSON")
    add_cases_option(show)
    show.set_defaults(func=show_case)

    validate = cases.add_parser(
        "validate", help="check cases and print every problem as file:line: message"
    )
    validate.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="cases folders, case folders or case files (default: the cases folder)",
    )
    validate.add_argument(
        "--published", action="store_true", help="judge drafts as strictly as published cases"
    )
    add_cases_option(validate)
    validate.set_defaults(func=validate_cases)

    from tutorbot.cases import authoring

    authoring.register(cases)


def add_cases_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--cases",
        type=Path,
        default=None,
        metavar="DIR",
        help="the cases folder (default: $TUTORBOT_CASES or ./cases)",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings.from_env(cases=getattr(args, "cases", None))


def report(problems: list[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def list_cases(args: argparse.Namespace) -> int:

    settings = settings_from(args)
    library = load_library([require_cases_folder(settings)])
    report(library.problems)
    if not library.cases:
        print(f"No cases in {settings.cases}.", file=sys.stderr)
    for case in library.cases.values():
        tags = ", ".join(case.tags) or "-"
        stages = len(case.stages)
        print(
            f"{case.id}\t{case.title}\t{tags}\t{stages} stage{'s' if stages != 1 else ''}\t{case.status}"
        )
    return 0


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


def show_case(args: argparse.Namespace) -> int:
    case = load_one_case(args.case, settings_from(args).cases)
    if args.json:
        json.dump(case.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    print(f"{case.title}  [{case.id}, {case.status}]")
    print("History:")
    for line in case.history:
        print(f"  - {line}")
    for number, stage in enumerate(case.stages, 1):
        print(f"Stage {number}{': ' + stage.title if stage.title else ''}")
        for image in stage.images:
            print(f"  image {image.file}: {image.caption}")
        for finding in stage.findings:
            print(f"  - {finding}")
    print(f"Diagnosis: {case.diagnosis.answer}")
    for point in case.teaching_points:
        print(f"  * {point}")
    return 0


def validate_cases(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    paths = args.paths or [settings.cases]
    library = load_library(paths, as_published=args.published)
    report(library.problems)
    errors = len(library.errors)
    warnings = len(library.problems) - errors
    checked = len(library.results)
    print(
        f"{checked} case{'s' if checked != 1 else ''} checked: "
        f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}",
        file=sys.stderr,
    )
    if checked == 0 and not library.problems:
        print("No case folders found (a case is a folder with a case.yaml).", file=sys.stderr)
        return 1
    return 1 if errors else 0
