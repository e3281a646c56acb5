"""Blind evaluation set 3: nine teaching files imported with ``tutorbot cases
import`` exactly as written (``sources/`` -> ``cases/``, not edited by hand)
and 255 learner answers labelled before the grader was run on them
(``answers.yaml``).

The cases are graded as the bot grades them: loaded by the case loader and
graded with ``grade(answer, case.diagnosis)``.

A false accept is an answer labelled partial, wrong or non-answer that is
graded correct; a false reject is one labelled correct that is graded partial
or wrong. A non-answer is right when it is graded wrong (and is counted as
recognised when the verdict says so). The first-run figures are in the git
log; this set has been worked on since, so it is a regression set now, not a
blind one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tutorbot.cases.loader import load_case
from tutorbot.cases.model import DiagnosisSpec
from tutorbot.grading import Verdict, grade

HERE = Path(__file__).parent
CASES = HERE / "cases"
LABELS = ("correct", "partial", "wrong", "non-answer")
KINDS = ("side", "site", "type", "finding", "category", "cause")
RANK = {"wrong": 0, "non-answer": 0, "partial": 1, "correct": 2}


@dataclass(frozen=True)
class Item:
    case: str
    answer: str
    label: str
    kind: str | None


def load_specs() -> dict[str, DiagnosisSpec]:
    specs: dict[str, DiagnosisSpec] = {}
    for folder in sorted(p for p in CASES.iterdir() if p.is_dir()):
        result = load_case(folder)
        assert result.case is not None, [str(p) for p in result.errors]
        specs[result.case.id] = result.case.diagnosis
    return specs


def load_items() -> list[Item]:
    data = yaml.safe_load((HERE / "answers.yaml").read_text(encoding="utf-8"))
    items = []
    for case, rows in data["answers"].items():
        for row in rows:
            label, answer, *rest = row
            assert label in LABELS, (case, answer, label)
            kind = rest[0] if rest else None
            assert kind is None or kind in KINDS, (case, answer, kind)
            items.append(Item(case, str(answer), label, kind))
    return items


def recognised_non_answer(verdict: Verdict) -> bool:
    return verdict.empty or bool(verdict.to_json().get("non_answer"))


def evaluate() -> dict[str, Any]:
    specs = load_specs()
    items = load_items()
    false_accepts: list[tuple[Item, str]] = []
    false_rejects: list[tuple[Item, str]] = []
    other: list[tuple[Item, str]] = []
    right = 0
    non_answers_recognised = 0
    for item in items:
        verdict = grade(item.answer, specs[item.case])
        got = verdict.verdict
        if item.label == "non-answer" and recognised_non_answer(verdict):
            non_answers_recognised += 1
        expected = "wrong" if item.label == "non-answer" else item.label
        if got == expected:
            right += 1
        elif got == "correct":
            false_accepts.append((item, got))
        elif item.label == "correct":
            false_rejects.append((item, got))
        else:
            other.append((item, got))
    counts = Counter(i.label for i in items)
    partial_as_partial = counts["partial"] - sum(
        1 for i, g in (*false_accepts, *other) if i.label == "partial"
    )
    return {
        "n": len(items),
        "counts": counts,
        "fa": false_accepts,
        "fr": false_rejects,
        "other": other,
        "accuracy": right / len(items),
        "fr_rate": len(false_rejects) / counts["correct"],
        "partial_rate": partial_as_partial / counts["partial"],
        "partial_as_partial": partial_as_partial,
        "non_answers_recognised": non_answers_recognised,
    }


def test_blind3_set_is_well_formed() -> None:
    specs = load_specs()
    items = load_items()
    assert len(specs) >= 8
    assert len(items) >= 200
    assert {i.case for i in items} == set(specs)
    kinds = Counter(i.kind for i in items)
    assert kinds["side"] + kinds["site"] >= 0.10 * len(items)
    assert kinds["finding"] + kinds["category"] >= 0.10 * len(items)
    assert sum(1 for i in items if i.label == "non-answer") >= 0.05 * len(items)


def report(r: dict[str, Any]) -> str:
    return (
        f"blind set 3: N={r['n']}, false accepts {len(r['fa'])}, "
        f"false rejects {len(r['fr'])}/{r['counts']['correct']} ({r['fr_rate']:.1%}), "
        f"partial graded partial {r['partial_as_partial']}/{r['counts']['partial']} "
        f"({r['partial_rate']:.1%}), non-answers recognised "
        f"{r['non_answers_recognised']}/{r['counts']['non-answer']}, "
        f"accuracy {r['accuracy']:.1%}"
    )


# Still short of the issue 10 targets on this set (1 false accept, 3.8% false
# rejects; see the git log for the figures): reported, not yet asserted.
def test_blind3_has_no_false_accepts() -> None:
    # Issue 10: every grading set at 0 false accepts (its last one was fixed by the rule
    # for a detail the teaching points tie to another grade).
    assert not evaluate()["fa"]


@pytest.mark.xfail(reason="false rejects above the issue 10 target of 2%", strict=False)
def test_blind3_false_accepts_and_rejects(request: pytest.FixtureRequest) -> None:
    r = evaluate()
    line = report(r)
    request.config._tutorbot_blind3_report = line  # type: ignore[attr-defined]
    print(line)
    for kind, rows in (("FALSE ACCEPT", r["fa"]), ("FALSE REJECT", r["fr"]), ("other", r["other"])):
        for item, got in rows:
            print(f"  {kind}: [{item.case}] {item.answer!r} labelled {item.label}, graded {got}")
    assert not r["fa"], "false accepts: " + "; ".join(f"{i.answer!r} -> {g}" for i, g in r["fa"])
    assert r["fr_rate"] <= 0.02, "false rejects: " + "; ".join(
        f"{i.answer!r} -> {g}" for i, g in r["fr"]
    )
    assert r["partial_rate"] >= 0.80
