"""The labelled evaluation set (answers.yaml) against the real bundled cases.

A false accept is an answer labelled partial or wrong that is graded
correct, or labelled wrong and graded partial; a false reject is one labelled
correct that is graded partial or wrong. The naive baseline is the best plain
rapidfuzz scorer with the best threshold over the same answers.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from rapidfuzz import fuzz, utils

from tutorbot.cases import load_library
from tutorbot.cases.model import DiagnosisSpec
from tutorbot.grading import grade, load_lexicon

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "cases"
ANSWERS = Path(__file__).with_name("answers.yaml")

# Junk that is awkward to write in YAML, added to every case.
GENERATED_JUNK = [
    "x" * 10_000,
    "extradural haematoma " * 600,  # a 10,000+ character paste: truncated, still graded
    "\x00\x01\x02\x1b[31m",
    "\u200b\u200b",
    "\ufeff",
]


def load_items() -> list[tuple[str, str, str, str]]:
    data = yaml.safe_load(ANSWERS.read_text(encoding="utf-8"))
    items = [
        (case_id, label, kind, answer)
        for case_id, rows in data.items()
        for label, kind, answer in rows
    ]
    for case_id in data:
        items.extend((case_id, "wrong", "junk", junk) for junk in GENERATED_JUNK[2:])
        items.append((case_id, "wrong", "junk", GENERATED_JUNK[0]))
    items.append(("extradural-hematoma", "correct", "ok", GENERATED_JUNK[1]))
    return items


def is_false_accept(label: str, verdict: str) -> bool:
    return (verdict == "correct" and label != "correct") or (
        label == "wrong" and verdict == "partial"
    )


def baseline(
    items: list[tuple[str, str, str, str]], specs: dict[str, DiagnosisSpec]
) -> dict[str, Any]:
    """The best single rapidfuzz scorer and threshold, accepting answers scoring
    at or above it against any accepted form (a yes/no grader)."""
    scorers = {
        "ratio": fuzz.ratio,
        "partial_ratio": fuzz.partial_ratio,
        "token_sort_ratio": fuzz.token_sort_ratio,
        "token_set_ratio": fuzz.token_set_ratio,
        "WRatio": fuzz.WRatio,
        "QRatio": fuzz.QRatio,
    }
    best: dict[str, Any] = {"accuracy": -1.0}
    for name, scorer in scorers.items():
        scores = []
        for case_id, label, _, answer in items:
            spec = specs[case_id]
            forms = (spec.answer, *spec.accepted)
            top = max(scorer(answer[:500], f, processor=utils.default_process) for f in forms)
            scores.append((top, label))
        for threshold in range(0, 101):
            right = sum((s >= threshold) == (label == "correct") for s, label in scores)
            fa = sum(s >= threshold and label != "correct" for s, label in scores)
            fr = sum(s < threshold and label == "correct" for s, label in scores)
            accuracy = right / len(scores)
            if accuracy > best["accuracy"]:
                best = {
                    "scorer": name,
                    "threshold": threshold,
                    "accuracy": accuracy,
                    "fa": fa,
                    "fr": fr,
                }
    return best


def test_evaluation_set(request: pytest.FixtureRequest) -> None:
    library = load_library([CASES])
    lexicon = load_lexicon(CASES)
    items = load_items()
    specs = {case_id: library.get(case_id).diagnosis for case_id in {i[0] for i in items}}
    labels = Counter(label for _, label, _, _ in items)
    traps = sum(kind != "ok" for _, _, kind, _ in items)
    assert len(items) >= 200
    assert traps * 3 >= len(items)

    false_accepts: list[str] = []
    false_rejects: list[str] = []
    exact = binary = 0
    for case_id, label, _kind, answer in items:
        verdict = grade(answer, specs[case_id], lexicon)
        exact += verdict.verdict == label
        binary += (verdict.verdict == "correct") == (label == "correct")
        line = f"{case_id}: {answer[:60]!r} labelled {label}, graded {verdict.verdict} {list(verdict.why)}"
        if is_false_accept(label, verdict.verdict):
            false_accepts.append(line)
        elif label == "correct" and verdict.verdict != "correct":
            false_rejects.append(line)

    n = len(items)
    base = baseline(items, specs)
    compact = (
        f"grading: N={n} ({labels['correct']} correct, {labels['partial']} partial, "
        f"{labels['wrong']} wrong; {traps} traps) accuracy={exact / n:.1%} "
        f"accept/reject accuracy={binary / n:.1%} FA={len(false_accepts)} "
        f"FR={len(false_rejects)} ({len(false_rejects) / max(labels['correct'], 1):.1%}) | "
        f"baseline {base['scorer']}>={base['threshold']}: accuracy={base['accuracy']:.1%} "
        f"FA={base['fa']} FR={base['fr']}"
    )
    print()
    print("Grading evaluation report")
    print(
        f"  answers: {n}  (correct {labels['correct']}, partial {labels['partial']}, "
        f"wrong {labels['wrong']}); traps: {traps} ({traps / n:.0%})"
    )
    print(f"  exact accuracy (3 verdicts): {exact / n:.1%}")
    print(f"  accept/reject accuracy:      {binary / n:.1%}")
    print(f"  false accepts: {len(false_accepts)}   false rejects: {len(false_rejects)}")
    print(f"  naive baseline: {base}")
    for line in false_accepts:
        print("  FA", line)
    for line in false_rejects:
        print("  FR", line)
    request.config._tutorbot_grading_report = compact  # type: ignore[attr-defined]

    assert not false_accepts, compact + "\n" + "\n".join(false_accepts)
    assert len(false_rejects) <= 0.02 * labels["correct"], compact + "\n" + "\n".join(false_rejects)
