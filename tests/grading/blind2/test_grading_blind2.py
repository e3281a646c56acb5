"""Blind evaluation set 2: ten specs and 250 learner answers labelled before the
grader was read (see cases.yaml and answers.yaml in this folder).

A false accept is an answer labelled partial or wrong that is graded correct,
or one labelled wrong that is graded partial; a false reject is one labelled
correct that is graded partial or wrong. False accepts must be 0 and false
rejects at most 2%.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tutorbot.cases.model import AnswerFeedback, DiagnosisSpec
from tutorbot.grading import grade

HERE = Path(__file__).parent
LABELS = ("correct", "partial", "wrong")
RANK = {"wrong": 0, "partial": 1, "correct": 2}


def _feedback(items: list[dict[str, str]] | None) -> tuple[AnswerFeedback, ...]:
    return tuple(AnswerFeedback(answer=i["answer"], feedback=i["feedback"]) for i in items or [])


def load_specs() -> dict[str, DiagnosisSpec]:
    data = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
    specs: dict[str, DiagnosisSpec] = {}
    for case in data["cases"]:
        d = case["diagnosis"]
        specs[case["id"]] = DiagnosisSpec(
            answer=d["answer"],
            accepted=tuple(d.get("accepted") or ()),
            partial=_feedback(d.get("partial")),
            wrong=_feedback(d.get("wrong")),
            required=tuple(d.get("required") or ()),
        )
    return specs


@dataclass(frozen=True)
class Item:
    case: str
    answer: str
    label: str


def load_items() -> list[Item]:
    data = yaml.safe_load((HERE / "answers.yaml").read_text(encoding="utf-8"))
    items = []
    for case, rows in data["answers"].items():
        for label, answer in rows:
            assert label in LABELS, (case, answer, label)
            items.append(Item(case, str(answer), label))
    return items


def evaluate() -> dict[str, Any]:
    specs = load_specs()
    items = load_items()
    false_accepts: list[tuple[Item, str]] = []
    false_rejects: list[tuple[Item, str]] = []
    other: list[tuple[Item, str]] = []
    right = 0
    for item in items:
        got = grade(item.answer, specs[item.case]).verdict
        if got == item.label:
            right += 1
        elif RANK[got] > RANK[item.label]:
            false_accepts.append((item, got))
        elif item.label == "correct":
            false_rejects.append((item, got))
        else:
            other.append((item, got))
    n_correct = sum(1 for i in items if i.label == "correct")
    return {
        "n": len(items),
        "n_correct": n_correct,
        "fa": false_accepts,
        "fr": false_rejects,
        "other": other,
        "accuracy": right / len(items),
        "fr_rate": len(false_rejects) / n_correct,
    }


def test_blind2_set_is_well_formed() -> None:
    specs = load_specs()
    items = load_items()
    assert len(specs) == 10
    for case in specs:
        assert sum(1 for i in items if i.case == case) == 25, case


def test_blind2_false_accepts_and_rejects(request: pytest.FixtureRequest) -> None:
    r = evaluate()
    report = (
        f"blind set 2: N={r['n']}, false accepts {len(r['fa'])}, "
        f"false rejects {len(r['fr'])}/{r['n_correct']} ({r['fr_rate']:.1%}), "
        f"partial graded wrong {len(r['other'])}, accuracy {r['accuracy']:.1%}"
    )
    request.config._tutorbot_blind2_report = report  # type: ignore[attr-defined]
    print(report)
    for kind, rows in (("FALSE ACCEPT", r["fa"]), ("FALSE REJECT", r["fr"]), ("other", r["other"])):
        for item, got in rows:
            print(f"  {kind}: [{item.case}] {item.answer!r} labelled {item.label}, graded {got}")
    assert not r["fa"], "false accepts: " + "; ".join(f"{i.answer!r} -> {g}" for i, g in r["fa"])
    assert r["fr_rate"] <= 0.02, "false rejects: " + "; ".join(
        f"{i.answer!r} -> {g}" for i, g in r["fr"]
    )
