"""The curated abbreviations (grading/abbreviations.yaml), each against its look-alikes;
anatomical letter codes, number words and Roman numerals, eponyms and truncations."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
import yaml
from rapidfuzz.distance import Levenshtein

from tutorbot.cases.model import DiagnosisSpec
from tutorbot.grading import grade, shipped_lexicon
from tutorbot.grading.lexicon import ABBREVIATIONS
from tutorbot.grading.normalise import words


def _groups(path: Path) -> list[list[str]]:
    return [list(map(str, g)) for g in yaml.safe_load(path.read_text("utf-8"))["synonyms"]]


GROUPS = _groups(ABBREVIATIONS)
# (abbreviation, expansion) for every short form in the list.
PAIRS = [(a, g[0]) for g in GROUPS for a in g[1:] if len(words(a)) == 1 and len(a) <= 5]
# Abbreviations one letter apart with different meanings: RML/RLL, MCA/ACA/PCA ...
LOOK_ALIKES = [
    (a, b)
    for (a, ea), (b, eb) in combinations(PAIRS, 2)
    if ea != eb and len(a) == len(b) and Levenshtein.distance(a, b) == 1
]


def test_the_list_is_read_with_the_shipped_lexicon() -> None:
    lexicon = shipped_lexicon()
    assert lexicon.canonical(("rml",)) == words("right middle lobe")
    assert len(PAIRS) >= 60 and len(LOOK_ALIKES) >= 10
    ambiguous = {a for (a,) in lexicon.ambiguous}
    assert not ambiguous & {a for a, _ in PAIRS}, "an ambiguous abbreviation is in the list"


@pytest.mark.parametrize(("abbreviation", "expansion"), PAIRS)
def test_each_abbreviation_names_its_expansion(abbreviation: str, expansion: str) -> None:
    assert grade(abbreviation.upper(), DiagnosisSpec(expansion)).verdict == "correct"
    assert grade(expansion, DiagnosisSpec(abbreviation.upper())).verdict == "correct"


@pytest.mark.parametrize(("one", "other"), LOOK_ALIKES)
def test_a_look_alike_is_never_correct(one: str, other: str) -> None:
    expansion = dict(PAIRS)
    assert grade(one.upper(), DiagnosisSpec(expansion[other])).verdict != "correct"
    assert grade(other.upper(), DiagnosisSpec(expansion[one])).verdict != "correct"


@pytest.mark.parametrize(
    ("spec", "answer", "verdict"),
    [
        # Anatomical letter codes, with and without the words around them.
        ("Right middle lobe collapse", "RML collapse", "correct"),
        ("Right middle lobe collapse", "RLL collapse", "partial"),  # another lobe
        ("Left MCA territory infarct", "left middle cerebral artery infarct", "correct"),
        ("Left MCA territory infarct", "left ACA infarct", "partial"),
        ("C5/6 disc herniation", "C5-C6 disc herniation", "correct"),
        ("C5/6 disc herniation", "c5-6 disc herniation", "correct"),
        ("L4/5 disc herniation", "L5/S1 disc herniation", "wrong"),
        # Number words and Roman numerals after type, grade, class or a scale.
        ("Grade II splenic laceration", "grade 2 splenic laceration", "correct"),
        ("Grade II splenic laceration", "grade two splenic laceration", "correct"),
        ("Grade II splenic laceration", "grade III splenic laceration", "partial"),
        ("Salter-Harris type II fracture", "Salter Harris 2", "correct"),
        ("Salter-Harris type II fracture", "SH2", "correct"),
        ("Salter-Harris type II fracture", "SH II fracture", "correct"),
        ("Salter-Harris type II fracture", "SH3 fracture", "partial"),
        # An eponym alone, with or without 's.
        ("Colles fracture", "Colles", "correct"),
        ("Colles fracture", "Colles' fracture", "correct"),
        ("Colles fracture", "Colle's", "correct"),
        ("Colles fracture", "Smith fracture", "wrong"),
        ("Baker cyst", "Baker's", "correct"),
        # Established truncations.
        ("Acute appendicitis", "appy", "correct"),
        ("Splenic laceration", "splenic lac", "correct"),
        ("Bilateral pulmonary embolism", "bilat pulmonary emboli", "correct"),
        ("Distal radius fracture", "distal radius fx", "correct"),
    ],
)
def test_codes_numbers_eponyms_truncations(spec: str, answer: str, verdict: str) -> None:
    assert grade(answer, DiagnosisSpec(spec)).verdict == verdict, grade(answer, DiagnosisSpec(spec))
