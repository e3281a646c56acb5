"""Evaluation set 5: written blind for the issue 10 targets; since its details were
read to tune the grader's false accepts (see README.md), a tuned regression set.

Eleven teaching files (``sources/``) and the learner answers to them, labelled
when they were written (``answers.yaml``; the labelling rule, the same as blind
set 4's, is at its top and in the README). The set was written without running
or reading the grader, while the grader was being tuned on blind sets 3 and 4.

At run time each source is imported with the importer exactly as
``tutorbot cases import`` does (``import_one`` into a cases folder in pytest's
``tmp_path`` that holds the project's ``cases/lexicon.yaml``, as ``./cases``
does), loaded back with the case loader, and every answer is graded as
``tutorbot grade`` grades it: ``grade(answer, case.diagnosis, lexicon)`` with
the lexicon of that cases folder (``tests/grading/imported_set.py``, shared
with set 4). Nothing is imported ahead of time, so the cases are what the
importer of the day makes of the files.

Unlike set 4, this module prints only the aggregate summary line (also in the
pytest summary under "grading evaluation"), never which answers were missed,
so that nobody tunes the grader on it by accident. Per-answer output (each
false accept, false reject and other miss, and the figures per kind) appears
only with ``TUTORBOT_BLIND5_DETAILS=1``; looking at it ends the set's use as a
blind set, and whoever does so should say so where the figures are quoted.

The summary line: false accepts are answers labelled partial or wrong
(non-answers included) that are graded correct; false rejects are answers
labelled correct that are not graded correct; "partial graded partial" counts
the partial-labelled answers graded partial; a non-answer is recognised when
the verdict is empty or says ``"non_answer": true``. The tests assert only what
cannot be tuned on: every source imports and loads, and every answer is graded
without an error.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.grading import imported_set as blind

HERE = Path(__file__).parent
SOURCES = HERE / "sources"
ANSWERS = HERE / "answers.yaml"
DETAILS_VARIABLE = "TUTORBOT_BLIND5_DETAILS"


def details_wanted() -> bool:
    return os.environ.get(DETAILS_VARIABLE, "") == "1"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> blind.Imported:
    return blind.import_sources(SOURCES, tmp_path_factory.mktemp("blind5") / "cases")


def test_blind5_answers_are_well_formed() -> None:
    items = blind.load_items(ANSWERS)
    blind.check_well_formed(items, SOURCES, min_sources=10, min_items=300)
    for item in items:
        assert item.kind is None or item.label == "partial", item


def test_blind5_every_source_imports(imported: blind.Imported) -> None:
    blind.check_imported(imported, SOURCES)


def test_blind5_grading(imported: blind.Imported, request: pytest.FixtureRequest) -> None:
    assert not imported.failures, imported.failures
    r = blind.evaluate(imported, blind.load_items(ANSWERS))
    line = blind.summary("blind set 5", r)
    request.config._tutorbot_blind5_report = line  # type: ignore[attr-defined]
    print(line)
    if details_wanted():
        for detail in blind.details(r):
            print(detail)
    # Names the answers whose grading raised, never their labels or verdicts.
    assert not r["errors"], blind.errors_message(r)


# Measured against the grader of 43d1650, before this session's grading changes (see the
# README and the git log): reported, not asserted, until the grader meets the targets.
@pytest.mark.xfail(reason="below the issue 10 targets (a tuned set now)", strict=False)
def test_blind5_meets_the_issue_10_targets(imported: blind.Imported) -> None:
    r = blind.evaluate(imported, blind.load_items(ANSWERS))
    shortfalls = blind.target_shortfalls(r, with_partial=True)
    assert not shortfalls, "; ".join(shortfalls)
