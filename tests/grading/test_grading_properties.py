"""Property tests: grade() never raises and is deterministic, for any text and any spec."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutorbot.cases.model import AnswerFeedback, DiagnosisSpec
from tutorbot.grading import grade
from tutorbot.grading.grader import compile_spec, grade_compiled
from tutorbot.grading.lexicon import shipped_lexicon

SPEC = DiagnosisSpec(
    "Extradural haematoma",
    accepted=("EDH", "Epidural hematoma"),
    partial=(AnswerFeedback("bleed", "Where?"),),
    wrong=(AnswerFeedback("subdural haematoma", "No."),),
    required=("left",),
)
text = st.text(st.characters(codec="utf-8"), max_size=300)  # no lone surrogates
medical = st.sampled_from(
    ["extradural", "haematoma", "not", "or", "EDH", "left", "right", ",", "?", "no", "vs", "sub"]
)
answers = st.one_of(text, st.lists(st.one_of(medical, text), max_size=12).map(" ".join))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(answers)
def test_grade_never_raises_and_is_deterministic(answer: str) -> None:
    first = grade(answer, SPEC)
    second = grade(answer, SPEC)
    assert first == second
    assert first.verdict in ("correct", "partial", "wrong")
    assert 0.0 <= first.score <= 1.0
    assert first.feedback
    if first.empty:
        assert first.verdict == "wrong"


feedbacks = st.builds(AnswerFeedback, text, text)
specs = st.builds(
    DiagnosisSpec,
    answer=text,
    accepted=st.lists(text, max_size=4).map(tuple),
    partial=st.lists(feedbacks, max_size=3).map(tuple),
    wrong=st.lists(feedbacks, max_size=3).map(tuple),
    required=st.lists(text, max_size=2).map(tuple),
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(specs, answers, st.lists(answers, max_size=5))
def test_a_verdict_does_not_depend_on_answers_graded_before(
    spec: DiagnosisSpec, answer: str, before: list[str]
) -> None:
    lexicon = shipped_lexicon()
    fresh = grade_compiled(answer, compile_spec(spec, lexicon))
    used = compile_spec(spec, lexicon)
    for other in before:
        grade_compiled(other, used)
    assert grade_compiled(answer, used) == fresh
    assert 0.0 <= fresh.score <= 1.0


def test_separators_are_not_confused_by_the_memo() -> None:
    spec = DiagnosisSpec("Tension pneumothorax", accepted=("Left tension pneumothorax",))
    lexicon = shipped_lexicon()
    for answer in ("Tension pneumothorax/right", "right/Left tension pneumothorax"):
        fresh = grade_compiled(answer, compile_spec(spec, lexicon))
        used = compile_spec(spec, lexicon)
        grade_compiled(answer.replace("/", ", "), used)
        assert grade_compiled(answer, used) == fresh


diagnosis_words = st.sampled_from(
    ["extradural", "haematoma", "osteosarcoma", "pneumothorax", "fracture", "renal", "cyst",
     "carcinoma", "pulmonary", "embolism", "sarcoma", "volvulus", "appendicitis", "abscess"]
)  # fmt: skip


@given(st.lists(diagnosis_words, min_size=1, max_size=4, unique=True).map(" ".join))
def test_the_answer_itself_is_always_correct(name: str) -> None:
    assert grade(name, DiagnosisSpec(name)).verdict == "correct"
    assert grade(name.upper(), DiagnosisSpec(name)).verdict == "correct"
