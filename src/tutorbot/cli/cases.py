"""``tutorbot cases list|show|validate``: the cases as they are (writing them is :mod:`.authoring`)."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from tutorbot.cases.library import load_library
from tutorbot.cases.loader import CASE_FILE
from tutorbot.cases.problems import Problem
from tutorbot.cases.yaml_nodes import NodeReader, compose_bounded, decode_utf8, read_bounded
from tutorbot.cli.options import (
    Subcommands,
    add_cases_option,
    load_one_case,
    report,
    require_cases_folder,
    settings_from,
)


def register(cases: Subcommands) -> None:
    """Add ``list``, ``show`` and ``validate`` to ``tutorbot cases``."""
    listing = cases.add_parser("list", help="list the cases: id, title, tags, stages, status")
    add_cases_option(listing)
    listing.set_defaults(func=list_cases)

    show = cases.add_parser("show", help="print one case, as text or JSON")
    show.add_argument("case", metavar="ID_OR_PATH", help="a case id or a path to a case folder")
    show.add_argument("--json", action="store_true", help="print the case as JSON")
    add_cases_option(show)
    show.set_defaults(func=show_case)

    validate = cases.add_parser(
        "validate",
        help="check cases (and the cases folder's lexicon.yaml) and print every problem "
        "as file:line: message",
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


def list_cases(args: argparse.Namespace) -> int:
    """``tutorbot cases list``."""
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


def show_case(args: argparse.Namespace) -> int:
    """``tutorbot cases show ID_OR_PATH [--json]``."""
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
    """``tutorbot cases validate [PATH ...] [--published]``."""
    from tutorbot.cases.enrich import vocabulary_note  # imported here: `list` needs none

    settings = settings_from(args)
    paths = args.paths or [settings.cases]
    library = load_library(paths, as_published=args.published)
    problems = library.problems + [p for path in paths for p in lexicon_problems(path)]
    report(problems)
    for case in library.cases.values():
        # A note, not a warning: the author may have left a name out on purpose.
        if note := vocabulary_note(case):
            print(f"{case.folder / CASE_FILE}: {note}", file=sys.stderr)
    errors = len([p for p in problems if p.severity == "error"])
    warnings = len(problems) - errors
    checked = len(library.results)
    print(
        f"{checked} case{'s' if checked != 1 else ''} checked: "
        f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}",
        file=sys.stderr,
    )
    if checked == 0 and not problems:
        print("No case folders found (a case is a folder with a case.yaml).", file=sys.stderr)
        return 1
    return 1 if errors else 0


LEXICON_ERROR = re.compile(r"^(?P<file>.*):(?P<line>\d+): (?P<message>.*)$", re.DOTALL)


def lexicon_problems(folder: Path) -> list[Problem]:
    """The problems of ``folder``'s ``lexicon.yaml`` (none when there is none), as
    ``play``, ``grade`` and ``run`` would refuse it. Read within the same bounds as a
    case file first (size, values, depth, aliases): the lexicon parser composes the
    YAML again, without those bounds."""
    from tutorbot.grading.lexicon import LEXICON_FILE, LexiconError, parse_lexicon

    file = folder / LEXICON_FILE
    if not folder.is_dir() or not (file.exists() or file.is_symlink()):
        return []
    reader = NodeReader(file)
    raw = read_bounded(reader)
    text = decode_utf8(reader, raw) if raw is not None else None
    if text is None:
        return reader.finish()
    if compose_bounded(reader, text) is None:
        return reader.finish()
    try:
        parse_lexicon(text, file)
    except LexiconError as error:
        found = LEXICON_ERROR.match(str(error))
        line, message = (int(found["line"]), found["message"]) if found else (1, str(error))
        return [Problem(file, line, message, "see docs/grading.md, Extending the lexicon")]
    return []
