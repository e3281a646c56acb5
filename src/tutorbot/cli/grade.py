"""``tutorbot grade``: grade answers against a case, as JSON lines or in plain words."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from tutorbot.cli.options import Subcommands, add_cases_option, load_one_case, settings_from
from tutorbot.errors import CommandError

if TYPE_CHECKING:
    from tutorbot.grading import Verdict


def register(subcommands: Subcommands) -> None:
    """Add ``tutorbot grade`` to the CLI."""
    parser = subcommands.add_parser(
        "grade",
        help="grade answers against a case (one JSON object per answer)",
        description=(
            "Grade free-text diagnoses against a case, as instructors check their synonym "
            "lists. Answers come from the arguments, or one per line from standard input."
        ),
    )
    parser.add_argument(
        "--case", required=True, metavar="ID_OR_PATH", help="a case id or a path to a case folder"
    )
    parser.add_argument("answers", nargs="*", metavar="ANSWER", help="answers to grade")
    parser.add_argument("--explain", action="store_true", help="print plain words, not JSON")
    add_cases_option(parser)
    parser.set_defaults(func=grade_command)


def _stdin_answers() -> Iterator[str]:
    # Bytes, decoded leniently: a pasted non-UTF-8 line must not traceback.
    for line in sys.stdin.buffer:
        yield line.decode("utf-8", errors="replace").rstrip("\r\n")


def explain(verdict: Verdict) -> str:
    """A verdict in plain words, for ``--explain``."""
    said = " (a non-answer: it uses no attempt)" if verdict.non_answer else ""
    lines = [
        f"{verdict.answer!r}: {verdict.verdict.upper()} (score {verdict.score:.2f}){said}",
        f"  matched: {verdict.matched or 'nothing the case lists'}",
        f"  feedback: {verdict.feedback}",
    ]
    lines.extend(f"  - {why}" for why in verdict.why)
    return "\n".join(lines)


def grade_command(args: argparse.Namespace) -> int:
    """``tutorbot grade --case ID_OR_PATH [ANSWER ...]``."""
    from tutorbot.grading import LexiconError, grade, load_lexicon

    case = load_one_case(args.case, settings_from(args).cases)
    # The lexicon of the cases folder the case lives in: <case folder>/../lexicon.yaml.
    cases_dir = Path(case.folder).resolve().parent
    try:
        lexicon = load_lexicon(cases_dir)
    except LexiconError as error:
        raise CommandError(str(error)) from None
    answers = args.answers if args.answers else _stdin_answers()
    for answer in answers:
        verdict = grade(answer, case.diagnosis, lexicon)
        if args.explain:
            print(explain(verdict))
        else:
            print(json.dumps(verdict.to_json(), ensure_ascii=False))
        sys.stdout.flush()
    return 0
