"""Property tests: grade() never raises and is deterministic, for any text and any spec."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutorbot.cases.model import AnswerFeedback, DiagnosisSpec
from tutorbot.grading import grade
from tutorbot.grading.grader import compile_spec
from tutorbot.grading.lexicon import shipped_lexicon

SPEC = DiagnosisSpec(
    "Extradural haematoma",
    accepted=("EDH", "Epidural hematoma"),
    partial=(AnswerFeedback("bleed", "Where?"),),
    wrong=(AnswerFeedback("subdural haematoma", "No."),),
    required=("left",),
)
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
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
@given(specs, answers)
def test_any_spec_grades_without_error(spec: DiagnosisSpec, answer: str) -> None:
    verdict = grade(answer, spec)
    assert verdict == grade(answer, spec)
    # A fresh compile gives the same verdict as the cached one.
    assert (
        compile_spec(spec, shipped_lexicon()).forms == compile_spec(spec, shipped_lexicon()).forms
    )
    assert 0.0 <= verdict.score <= 1.0


@given(specs)
def test_the_answer_itself_is_never_wrong_when_it_has_words(spec: DiagnosisSpec) -> None:
    verdict = grade(spec.answer, spec)
    assert verdict.verdict in ("correct", "partial", "wrong")
