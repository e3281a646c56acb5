"""Blind import check: teaching files written without reading the importer.

``tests/cases/data/blind/`` holds ten teaching-file texts and two MIRCdocuments
written from ``docs/authoring.md`` and the seed layout only, and
``expected.yaml`` says what an instructor would expect each imported case to
contain. Each file is imported with the real CLI (``tutorbot cases import``);
every difference from the expectation is printed (``pytest -s`` shows them),
and the imported case must load back with no errors.

The figures (right / partly right / failed) are printed by the last test, which
also keeps them from getting worse than :data:`AT_LEAST_RIGHT`. Expectations
the importer does not meet on purpose are listed in :data:`KNOWN_GAPS` with
the reason, so a mismatch is either fixed, explained there, or a regression.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tutorbot.cases import load_case
from tutorbot.cases.model import Case
from tutorbot.cli import main

BLIND = Path(__file__).parent / "data" / "blind"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load(
    (BLIND / "expected.yaml").read_text(encoding="utf-8")
)
FILES = sorted(EXPECTED)

# First run, before the importer was read: 5 right, 5 partly, 2 failed.
# Raised as fixes land; a drop means a regression in the importer.
AT_LEAST_RIGHT = 10

# (file, key) -> why the importer does not meet this expectation on purpose;
# these mismatches are still printed and counted apart ("right but for known
# gaps"). The expectations themselves stay as written before the first run.
KNOWN_GAPS: dict[tuple[str, str], str] = {
    (
        "09_extradural_bone_window.txt",
        "accepted_include",
    ): "'epidural' is a word-level lexicon synonym; the importer lists whole-diagnosis "
    "synonyms only (docs/authoring.md) and `tutorbot grade` accepts 'Epidural haematoma' "
    "already; listing every word swap would fill the list with forms like 'Lt ...'. The "
    "medical vocabulary does not add it either: only HPO gives it, and one source is not "
    "enough (docs/grading.md)",
    (
        "12_mirc_vestibular_schwannoma.xml",
        "diagnosis",
    ): "'X (Y)' where Y is not an abbreviation: Y may be another name, a subtype or a cause "
    "('Pathological fracture (metastasis)'), so the answer keeps it as written and X alone "
    "is accepted",
}
# Gone from the gaps, met since issue 10 by the medical vocabulary: 12's accepted_include
# ('acoustic neuroma', held in parentheses, which the importer does not accept by itself:
# HPO and MeSH both know it as another name of a vestibular schwannoma).


@dataclass
class Outcome:
    name: str
    case: Case | None = None
    failure: str = ""
    mismatches: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)


_outcomes: dict[str, Outcome] = {}


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _compare(name: str, case: Case, want: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, message) for every expectation the imported case does not meet."""
    out: list[tuple[str, str]] = []

    def differ(key: str, got: object, expected: object) -> None:
        out.append((key, f"{key}: got {got!r}, expected {expected!r}"))

    if "title" in want and _norm(case.title) != _norm(want["title"]):
        differ("title", case.title, want["title"])
    for key in ("contributor", "author"):
        if key not in want:
            continue
        got = _norm(getattr(case.source, key))
        expected = want[key]
        if expected is None:
            if got:
                differ(key, got, None)
        elif isinstance(expected, list):
            missing = [n for n in expected if _norm(n) not in got]
            if missing:
                differ(key, got, expected)
        elif got != _norm(expected):
            differ(key, got, expected)
    if "history" in want and len(case.history) != want["history"]:
        differ("history", [len(case.history), list(case.history)], want["history"])
    if "stages" in want:
        got_stages = [[len(s.images), len(s.findings)] for s in case.stages]
        if got_stages != want["stages"]:
            differ("stages", got_stages, want["stages"])
    if "diagnosis" in want:
        choices = want["diagnosis"] if isinstance(want["diagnosis"], list) else [want["diagnosis"]]
        if _norm(case.diagnosis.answer) not in {_norm(c) for c in choices}:
            differ("diagnosis", case.diagnosis.answer, want["diagnosis"])
    if want.get("accepted_include"):
        have = {_norm(a).casefold() for a in (case.diagnosis.answer, *case.diagnosis.accepted)}
        missing = [a for a in want["accepted_include"] if _norm(a).casefold() not in have]
        if missing:
            out.append(
                (
                    "accepted_include",
                    f"accepted_include: missing {missing}; accepted is {list(case.diagnosis.accepted)!r}",
                )
            )
    if want.get("wrong_include"):
        wrong = {_norm(a.answer).casefold() for a in case.diagnosis.wrong}
        missing = [a for a in want["wrong_include"] if _norm(a).casefold() not in wrong]
        if missing:
            differ("wrong_include", sorted(wrong), want["wrong_include"])
    if "teaching_points" in want and len(case.teaching_points) != want["teaching_points"]:
        differ(
            "teaching_points",
            [len(case.teaching_points), list(case.teaching_points)],
            want["teaching_points"],
        )
    if "annotated" in want:
        got_annotated = sum(1 for s in case.stages for i in s.images if i.annotated)
        if got_annotated != want["annotated"]:
            differ("annotated", got_annotated, want["annotated"])
    return out


def _import(name: str, out: Path, capsys: pytest.CaptureFixture[str]) -> Outcome:
    outcome = Outcome(name)
    code = main(["cases", "import", str(BLIND / name), "--out", str(out), "--cases", str(out)])
    captured = capsys.readouterr()
    folders = [line for line in captured.out.splitlines() if line.strip()]
    if code != 0 or len(folders) != 1:
        reasons = [
            line.strip() for line in captured.err.splitlines() if line.strip().startswith("failed:")
        ]
        outcome.failure = f"exit {code}: {' '.join(reasons) or captured.err.strip()}"
        return outcome
    result = load_case(Path(folders[0]))
    errors = [f"{p}" for p in result.errors]
    if result.case is None or errors:
        outcome.failure = f"does not load back: {errors}"
        return outcome
    outcome.case = result.case
    for key, message in _compare(name, result.case, EXPECTED[name]):
        if (name, key) in KNOWN_GAPS:
            outcome.known.append(f"{message}  [known gap: {KNOWN_GAPS[(name, key)]}]")
        else:
            outcome.mismatches.append(message)
    return outcome


@pytest.mark.parametrize("name", FILES)
def test_blind_file_imports_and_loads(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = _import(name, tmp_path, capsys)
    _outcomes[name] = outcome
    with capsys.disabled():
        for line in outcome.mismatches + outcome.known:
            print(f"\n  {name}: {line}", end="")
    assert not outcome.failure, f"{name}: {outcome.failure}"


def test_blind_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in FILES:
        if name not in _outcomes:  # run on its own (-k summary)
            _outcomes[name] = _import(name, tmp_path / name.split(".")[0], capsys)
    outcomes = [_outcomes[n] for n in FILES]
    failed = [o for o in outcomes if o.failure]
    partly = [o for o in outcomes if not o.failure and o.mismatches]
    known = [o for o in outcomes if not o.failure and not o.mismatches and o.known]
    right = [o for o in outcomes if not o.failure and not o.mismatches and not o.known]
    with capsys.disabled():
        print(
            f"\nblind import: {len(right)} right, {len(known)} right but for known gaps, "
            f"{len(partly)} partly, {len(failed)} failed (of {len(outcomes)})"
        )
        for o in failed:
            print(f"  FAILED {o.name}: {o.failure}")
        for o in partly + known:
            for line in o.mismatches + o.known:
                print(f"  {o.name}: {line}")
    assert len(right) >= AT_LEAST_RIGHT
