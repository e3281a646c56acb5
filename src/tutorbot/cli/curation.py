"""``tutorbot regrade CASE`` and ``tutorbot review CASE``: curation at a desk.

``regrade`` grades every stored answer of a case again against its file as it
is now (after a hand edit), keeps each changed verdict beside the old one,
and queues the job that tells the learners (the running bot sends those
messages, paced). ``review`` lists the answers not graded correct, grouped,
and for each asks: accept, partial, wrong or leave; it shows the effect before
applying and writes the case file in place.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import TextIO

from tutorbot.app.curation import Curation, CurationError, Edit, Preview, graded
from tutorbot.app.ports import SystemClock
from tutorbot.cases.editing import CaseNotWritable, EditError
from tutorbot.cases.library import load_library
from tutorbot.cli.options import Subcommands, add_cases_option, require_cases_folder, settings_from
from tutorbot.errors import CommandError
from tutorbot.grading import LexiconError, grader_for
from tutorbot.grading.curation import Kind, grouped
from tutorbot.settings import Settings
from tutorbot.storage import Store, StoreError, open_store

#: Who made a change from the terminal, as the regrade history records it.
TERMINAL = "terminal"
REVIEW_LIMIT = 20
KINDS: dict[str, Kind] = {"a": "accept", "p": "partial", "w": "wrong"}


def register(subcommands: Subcommands) -> None:
    regrade = subcommands.add_parser(
        "regrade",
        help="grade every stored answer of a case again (after editing its file by hand)",
        description=(
            "Grade every stored answer of CASE again against its case file as it is now; "
            "each changed verdict is kept beside the old one, and the running bot tells "
            "each learner whose verdict changed, once."
        ),
    )
    regrade.add_argument("case", metavar="CASE", help="the case id")
    add_cases_option(regrade)
    regrade.set_defaults(func=run_regrade)
    review = subcommands.add_parser(
        "review",
        help="go through a case's answers not graded correct: accept, partial, wrong or leave",
        description=(
            "List CASE's stored answers not graded correct, grouped after normalisation, "
            "most frequent first; for each, type a (accept), p (partial), w (wrong), "
            "l (leave) or q (quit). The effect is shown before anything is written."
        ),
    )
    review.add_argument("case", metavar="CASE", help="the case id")
    add_cases_option(review)
    review.set_defaults(func=run_review)


def _curation(settings: Settings, store: Store) -> Curation:
    cases = require_cases_folder(settings)
    try:
        grader = grader_for(cases)
    except LexiconError as error:
        raise CommandError(str(error)) from None
    return Curation(store, load_library([cases]), grader, SystemClock())


async def _with_store(settings: Settings, work: Callable[[Curation], object]) -> None:
    try:
        store = await open_store(settings.database)
    except StoreError as error:
        raise CommandError(str(error)) from None
    try:
        result = work(_curation(settings, store))
        if asyncio.iscoroutine(result):
            await result
    except CurationError as error:
        raise CommandError(str(error)) from None
    finally:
        await store.close()


def run_regrade(args: argparse.Namespace) -> int:
    settings = settings_from(args)

    async def regrade(curation: Curation) -> None:
        done = await curation.regrade(args.case, TERMINAL)
        if done.changed:
            await curation.schedule_regrade(args.case, TERMINAL)  # the bot tells the learners
        print(f"{args.case}: {done.graded} stored answers graded again; {done.summary}")
        if done.outcomes:
            print(f"{done.outcomes} finished case(s) now end differently (progress follows)")

    asyncio.run(_with_store(settings, regrade))
    return 0


def run_review(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    asyncio.run(_with_store(settings, lambda c: review(c, args.case, sys.stdin, sys.stdout)))
    return 0


async def review(curation: Curation, case_id: str, read: TextIO, out: TextIO) -> None:
    """The interactive review: one answer group at a time, from ``read`` to ``out``."""
    case = curation.case(case_id)
    answers = [a for a in await curation.answers(case_id) if a.verdict != "correct"]
    groups = [g for g in grouped(graded(answers)) if g.text]
    if not groups:
        print(f"{case_id}: no stored answer that is not graded correct.", file=out)
        return
    print(
        f"{case_id}: {len(answers)} answers not graded correct, in {len(groups)} groups.", file=out
    )
    for number, group in enumerate(groups[:REVIEW_LIMIT], 1):
        print(f"\n{number}. “{group.text}” ×{group.count} ({group.verdict})", file=out)
        choice = _ask(read, out, "a(ccept) / p(artial) / w(rong) / l(eave) / q(uit)? ")
        if choice in ("q", ""):
            return
        kind = KINDS.get(choice[:1])
        if kind is None:
            continue
        feedback = ""
        if kind != "accept":
            feedback = _ask(
                read, out, "Feedback for a learner who gives this answer: ", lower=False
            )
            if not feedback:
                print("No feedback: left as it is.", file=out)
                continue
        try:
            preview = await curation.preview(case_id, Edit(kind, group.text, feedback))
        except ValueError as error:
            print(str(error), file=out)
            continue
        print(describe(preview), file=out)
        if preview.refused or _ask(read, out, "Apply? y/n ") != "y":
            continue
        try:
            await curation.apply(case_id, preview.edit, expected_version=case.version, by=TERMINAL)
        except CaseNotWritable as error:
            print(f"{error}\n{error.snippet}", file=out)
            return
        except (EditError, CurationError) as error:
            print(str(error), file=out)
            return
        case = curation.case(case_id)
        done = await curation.regrade(case_id, TERMINAL)  # now; the queued job tells learners
        print(f"Written. {done.graded} stored answers graded again: {done.summary}.", file=out)


def describe(preview: Preview) -> str:
    """The effect line, or why the form is refused."""
    if preview.refused:
        listed = ", ".join(f"“{w}”" for w in preview.refused)
        return f"Refused: the case lists {listed} as wrong, and this form would accept it."
    return f"This {preview.effect.summary()}."


def _ask(read: TextIO, out: TextIO, prompt: str, *, lower: bool = True) -> str:
    print(prompt, end="", file=out, flush=True)
    line = read.readline()
    text = line.strip()
    return text.lower() if lower else text
