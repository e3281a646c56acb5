"""Curation, pure: a form added to a spec, its effect on stored answers, refusals, groups."""

from __future__ import annotations

import pytest

from tutorbot.cases.model import AnswerFeedback, DiagnosisSpec
from tutorbot.grading import grade
from tutorbot.grading.curation import (
    Edit,
    Graded,
    answer_key,
    curated,
    effect,
    grouped,
    refusal,
)
from tutorbot.grading.lexicon import shipped_lexicon
from tutorbot.grading.verdict import Verdict

LEXICON = shipped_lexicon()


def grader(answer: str, spec: DiagnosisSpec) -> Verdict:
    return grade(answer, spec, LEXICON)


SPEC = DiagnosisSpec("Extradural haematoma", accepted=("EDH",))


def test_an_accepted_form_leaves_the_other_lists() -> None:
    spec = curated(SPEC, Edit("partial", "Blood Formation", "close"))
    spec = curated(spec, Edit("accept", "blood formation"))
    assert "blood formation" in spec.accepted
    assert all(answer_key(p.answer) != "blood formation" for p in spec.partial)


def test_partial_and_wrong_need_feedback_and_a_form() -> None:
    with pytest.raises(ValueError):
        Edit("partial", "x")
    with pytest.raises(ValueError):
        Edit("accept", "  ")
    spec = curated(SPEC, Edit("wrong", "myelolipoma", "Fat, not marrow."))
    assert spec.wrong[-1] == AnswerFeedback("myelolipoma", "Fat, not marrow.")


def test_the_effect_counts_each_change_by_before_and_after() -> None:
    answers = [
        Graded(1, "blood formation", "wrong"),
        Graded(2, "Blood formation", "wrong"),
        Graded(3, "blood formaton", "partial"),
        Graded(4, "something else", "wrong"),
    ]
    spec = curated(SPEC, Edit("accept", "blood formation"))
    found = effect(answers, spec, grader)
    assert [c.id for c in found.changes] == [1, 2, 3]
    assert found.summary() == "changes 3 verdicts: 2 ❌→✅, 1 🟡→✅"
    assert effect([], spec, grader).summary() == "changes no verdict (of 0 stored answers)"


def test_a_form_that_accepts_a_listed_wrong_answer_is_refused() -> None:
    listed = curated(SPEC, Edit("wrong", "blood clot", "A clot is not tissue."))
    spec = curated(listed, Edit("accept", "clot"))
    assert refusal(listed, spec, grader) == []
    spec = curated(listed, Edit("accept", "blood clot"))
    # The form itself leaves the wrong list, but the old spec listed it as wrong.
    assert refusal(listed, spec, grader) == ["blood clot"]


def test_answers_group_after_normalisation_most_frequent_first() -> None:
    answers = [
        Graded(1, "Haematoma", "wrong"),
        Graded(2, "lymphoma", "wrong"),
        Graded(3, "hematoma", "wrong"),
        Graded(4, "HAEMATOMA!", "partial"),
    ]
    groups = grouped(answers)
    assert [(g.count, g.ids, g.verdict) for g in groups] == [
        (3, (1, 3, 4), "wrong"),
        (1, (2,), "wrong"),
    ]
    assert answer_key("Hæmatoma, left!") == answer_key("haematoma left")
