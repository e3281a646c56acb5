"""Non-answers ("I don't know" and its kin): wrong, empty (no attempt used), marked."""

from __future__ import annotations

import pytest

from tutorbot.cases.model import DiagnosisSpec
from tutorbot.grading import grade

EDH = DiagnosisSpec("Extradural haematoma", accepted=("EDH",))


@pytest.mark.parametrize(
    "answer",
    [
        "I don't know", "i dont know", "Don't know, sorry", "dunno", "idk", "IDK tbh",
        "no idea", "No idea what this is", "no clue", "not a clue mate", "not sure",
        "I'm not sure", "unsure", "?? no idea", "I give up", "give up", "pass", "skip",
        "no diagnosis", "can't tell", "beats me", "hint please", "what is the answer?",
        "Honestly I have no idea",
    ],
)  # fmt: skip
def test_non_answer(answer: str) -> None:
    v = grade(answer, EDH)
    assert (v.verdict, v.empty, v.non_answer) == ("wrong", True, True), v
    assert "ruled out" not in v.feedback
    assert v.to_json()["non_answer"] is True


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        ("not sure, maybe EDH", "correct"),  # a hedged answer is an answer
        ("no idea, EDH?", "correct"),
        ("idk EDH or SDH", "partial"),
        ("not sure but subdural", "wrong"),
        ("no EDH", "wrong"),
        ("no", "wrong"),  # nothing to grade, but no "I don't know" either
    ],
)
def test_an_answer_beside_doubt_is_graded(answer: str, verdict: str) -> None:
    v = grade(answer, EDH)
    assert v.verdict == verdict, v
    assert not v.non_answer
