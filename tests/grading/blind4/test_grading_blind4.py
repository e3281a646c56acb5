"""Blind evaluation set 4: the untouched set the issue 10 grading work is judged on.

Ten teaching files (``sources/``) and the learner answers to them, labelled
when they were written (``answers.yaml``; the labelling rule is at its top and
in the README). Nobody has graded them: the set was written without running
or reading the grader.

It was run for the first time on 2026-12-07, once the issue 10 grader and
importer work had landed (the figures are in the git log and the issue's
closing note). From then on it is a regression set that reports with every
test run (``-s`` prints each false accept and reject); a future blind set
must be written as this one was, without running or reading the grader.

At run time each source is imported with the importer exactly as
``tutorbot cases import`` does (``import_one`` into a cases folder in pytest's
``tmp_path`` that holds the project's ``cases/lexicon.yaml``, as ``./cases``
does), loaded back with the case loader, and every answer is graded as
``tutorbot grade`` grades it: ``grade(answer, case.diagnosis, lexicon)`` with
the lexicon of that cases folder. Nothing is imported ahead of time, so the
cases are what the importer of the day makes of the files.

The summary line (also in the pytest summary under "grading evaluation"):
false accepts are answers labelled partial or wrong (non-answers included)
that are graded correct; false rejects are answers labelled correct that are
not graded correct; "partial graded partial" counts the partial-labelled
answers graded partial; a non-answer is recognised when the verdict is empty or
says ``"non_answer": true``. The test asserts only what cannot be tuned on:
every source imports and loads, and every answer is graded without an error.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tutorbot.cases.authoring import CaseWritten, import_one
from tutorbot.cases.library import resolve_case
from tutorbot.cases.model import DiagnosisSpec
from tutorbot.grading import Verdict, grade, load_lexicon

HERE = Path(__file__).parent
SOURCES = HERE / "sources"
REPOSITORY = HERE.parents[2]
CASES_LEXICON = REPOSITORY / "cases" / "lexicon.yaml"
LABELS = ("correct", "partial", "wrong")
KINDS = ("side", "site", "type", "finding", "category", "cause")


@dataclass(frozen=True)
class Item:
    source: str
    answer: str
    label: str
    kind: str | None
    non_answer: bool


@dataclass
class Imported:
    specs: dict[str, DiagnosisSpec]
    failures: dict[str, str]
    cases_dir: Path


def source_files() -> list[Path]:
    return sorted(p for p in SOURCES.iterdir() if p.is_file())


def load_items() -> list[Item]:
    data = yaml.safe_load((HERE / "answers.yaml").read_text(encoding="utf-8"))
    items = []
    for source, rows in data["answers"].items():
        for row in rows:
            label, kind = row["label"], row.get("kind")
            non_answer = bool(row.get("non_answer", False))
            assert label in LABELS, (source, row)
            assert kind is None or kind in KINDS, (source, row)
            assert not non_answer or label == "wrong", (source, row)
            assert set(row) <= {"label", "answer", "kind", "non_answer"}, (source, row)
            items.append(Item(source, str(row["answer"]), label, kind, non_answer))
    return items


def import_sources(cases_dir: Path) -> Imported:
    """Import every source as ``tutorbot cases import`` does, into ``cases_dir``."""
    cases_dir.mkdir(parents=True, exist_ok=True)
    if CASES_LEXICON.is_file():
        shutil.copyfile(CASES_LEXICON, cases_dir / "lexicon.yaml")
    specs: dict[str, DiagnosisSpec] = {}
    failures: dict[str, str] = {}
    for path in source_files():
        outcome = import_one(path, cases_dir, force=False, cases_dir=cases_dir)
        if not isinstance(outcome, CaseWritten):
            failures[path.name] = repr(outcome)
            continue
        result = resolve_case(str(outcome.folder), cases_dir)
        if result.case is None or result.errors:
            failures[path.name] = "; ".join(str(p) for p in result.problems) or "no case"
            continue
        specs[path.name] = result.case.diagnosis
    return Imported(specs, failures, cases_dir)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    return import_sources(tmp_path_factory.mktemp("blind4") / "cases")


def recognised_non_answer(verdict: Verdict) -> bool:
    return verdict.empty or bool(verdict.to_json().get("non_answer"))


def evaluate(imported: Imported, items: list[Item]) -> dict[str, Any]:
    lexicon = load_lexicon(imported.cases_dir)
    graded: list[tuple[Item, str]] = []
    errors: list[tuple[Item, str]] = []
    recognised = 0
    for item in items:
        try:
            verdict = grade(item.answer, imported.specs[item.source], lexicon)
        except Exception as error:
            errors.append((item, f"{type(error).__name__}: {error}"))
            continue
        graded.append((item, verdict.verdict))
        if item.non_answer and recognised_non_answer(verdict):
            recognised += 1
    counts = Counter(i.label for i in items)
    return {
        "n": len(items),
        "counts": counts,
        "non_answers": sum(1 for i in items if i.non_answer),
        "graded": graded,
        "errors": errors,
        "fa": [(i, g) for i, g in graded if i.label != "correct" and g == "correct"],
        "fr": [(i, g) for i, g in graded if i.label == "correct" and g != "correct"],
        "other": [(i, g) for i, g in graded if i.label not in ("correct", g) and g != "correct"],
        "partial_as_partial": sum(1 for i, g in graded if i.label == "partial" and g == "partial"),
        "recognised": recognised,
        "right": sum(1 for i, g in graded if i.label == g),
    }


def percent(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


def summary(r: dict[str, Any]) -> str:
    counts: Counter[str] = r["counts"]
    return (
        f"blind set 4: N={r['n']}, false accepts {len(r['fa'])}, "
        f"false rejects {len(r['fr'])}/{counts['correct']} "
        f"({percent(len(r['fr']), counts['correct'])}), "
        f"partial graded partial {r['partial_as_partial']}/{counts['partial']} "
        f"({percent(r['partial_as_partial'], counts['partial'])}), "
        f"non-answers recognised {r['recognised']}/{r['non_answers']}, "
        f"accuracy {percent(r['right'], r['n'])}"
        + (f", grading errors {len(r['errors'])}" if r["errors"] else "")
    )


def test_blind4_answers_are_well_formed() -> None:
    items = load_items()
    sources = {p.name for p in source_files()}
    assert len(sources) >= 8
    assert {i.source for i in items} == sources
    assert len(items) >= 220
    for source in sources:
        assert sum(1 for i in items if i.source == source) >= 20, source
    kinds = Counter(i.kind for i in items)
    assert kinds["side"] + kinds["site"] >= 0.10 * len(items)
    assert kinds["finding"] + kinds["category"] >= 0.10 * len(items)
    assert sum(1 for i in items if i.non_answer) >= 0.05 * len(items)
    assert len({(i.source, i.answer) for i in items}) == len(items), "an answer is listed twice"


def test_blind4_every_source_imports(imported: Imported) -> None:
    assert not imported.failures, imported.failures
    assert set(imported.specs) == {p.name for p in source_files()}


def test_blind4_grading(imported: Imported, request: pytest.FixtureRequest) -> None:
    assert not imported.failures, imported.failures
    r = evaluate(imported, load_items())
    line = summary(r)
    request.config._tutorbot_blind4_report = line  # type: ignore[attr-defined]
    print(line)
    for kind, rows in (("FALSE ACCEPT", r["fa"]), ("FALSE REJECT", r["fr"]), ("other", r["other"])):
        for item, got in rows:
            print(f"  {kind}: [{item.source}] {item.answer!r} labelled {item.label}, graded {got}")
    for kind in KINDS:
        of_kind = [(i, g) for i, g in r["graded"] if i.kind == kind]
        as_labelled = sum(1 for i, g in of_kind if i.label == g)
        print(f"  kind {kind}: {as_labelled}/{len(of_kind)} graded as labelled")
    for item, error in r["errors"]:
        print(f"  ERROR: [{item.source}] {item.answer!r}: {error}")
    assert not r["errors"], "; ".join(f"{i.answer!r}: {e}" for i, e in r["errors"])


# Far short of the issue 10 targets on its first run (see the git log): reported, not
# yet asserted, so that the figures stay in view until the grader meets them.
@pytest.mark.xfail(reason="below the issue 10 targets on the untouched set", strict=False)
def test_blind4_meets_the_issue_10_targets(imported: Imported) -> None:
    r = evaluate(imported, load_items())
    assert not r["fa"], f"{len(r['fa'])} false accepts"
    rejected, correct = len(r["fr"]), r["counts"]["correct"]
    assert rejected <= 0.02 * correct, f"false rejects {rejected}/{correct}"
