"""Negation scope, pseudo-negations and abbreviations that shrink to a prefix."""

from __future__ import annotations

import pytest

from tutorbot.cases.model import AnswerFeedback, DiagnosisSpec
from tutorbot.grading import grade
from tutorbot.grading.normalise import words

EDH = DiagnosisSpec(
    "Extradural haematoma",
    accepted=("EDH",),
    wrong=(AnswerFeedback("subdural haematoma", "It crosses no suture."),),
)
PRES = DiagnosisSpec("Posterior reversible encephalopathy syndrome", accepted=("PRES",))


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [
        # The scope of a negation ends at but / however / rather / whereas.
        ("not subdural but extradural haematoma", "correct"),
        ("no SDH, but an EDH", "correct"),
        ("not a subdural haematoma; however, an extradural haematoma", "correct"),
        ("not SDH rather EDH", "correct"),
        ("not SDH, rather EDH", "correct"),
        ("no SDH whereas EDH", "correct"),
        ("not EDH but SDH", "wrong"),
        ("EDH rather than SDH", "correct"),
        ("SDH rather than EDH", "wrong"),
        # Pseudo-negations: sure, or keeping it open, never ruling it out.
        ("without doubt EDH", "correct"),
        ("EDH without a doubt", "correct"),
        ("cannot exclude EDH", "correct"),
        ("can't rule out EDH", "correct"),
        ("EDH not excluded", "correct"),
        ("EDH, cannot exclude SDH", "partial"),
        ("EDH ruled out", "wrong"),
        ("EDH excluded", "wrong"),
    ],
)
def test_negation_scope(answer: str, verdict: str) -> None:
    assert grade(answer, EDH).verdict == verdict, grade(answer, EDH)


@pytest.mark.parametrize(
    "answer",
    [
        "PRES",
        "PRES syndrome",
        "PRES due to hypertension",
        "PRES secondary to eclampsia",
        "PRES, not infarct",
    ],
)
def test_an_abbreviation_that_shrinks_to_a_prefix_joins_no_word(answer: str) -> None:
    assert grade(answer, PRES).verdict == "correct", grade(answer, PRES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The plural rule leaves these at a prefix ("pre", "post", "pan", "sub"):
        # typed so, they are abbreviations and stay apart from the next word.
        ("PRES with oedema", ("pre", "with", "edema")),
        ("POSTS fracture", ("post", "fracture")),
        ("PANS flare", ("pan", "flare")),
        ("SUBS site", ("sub", "site")),
        # Typed as prefixes, they join it: hyphenated, spaced or not.
        ("pre-eclampsia", ("preeclampsia",)),
        ("pre eclampsia", ("preeclampsia",)),
        ("sub dural", ("subdural",)),
        ("trans-septal", ("transseptal",)),
    ],
)
def test_prefix_joining_reads_the_word_as_typed(text: str, expected: tuple[str, ...]) -> None:
    assert words(text) == expected
