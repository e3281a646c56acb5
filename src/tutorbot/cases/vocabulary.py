"""A medical vocabulary for writing cases: diagnoses and the other names that mean exactly them.

The concepts come from MeSH (NLM's disease descriptors and their entry terms), the Human
Phenotype Ontology (labels and exact synonyms) and ICD-10-CM (code titles and inclusion
terms), selected by ``tools/build_vocabulary.py`` into ``vocabulary.json.gz`` beside this
module (its header credits each source, names its version and says what was changed).

The vocabulary is used when a case is *written* (``tutorbot cases import``, ``new``,
``enrich``): the names it knows go into the case file as accepted forms the author can
review and delete. The grader never reads it, so a verdict changes only with the case.

Two rules keep it from accepting what is not the case's own diagnosis:

- **Exact names only.** A diagnosis matches a concept when its words equal the concept's
  name or one of the names kept as meaning the same (:func:`name_key`: case, accents,
  possessives, hyphens, word order, British spelling and "of"/"the" aside). Never a
  fuzzy or a partial match: "Tension pneumothorax" is not "Pneumothorax".
- **Never narrower or broader.** A name that adds words to the concept's name names a
  narrower idea ("tension pneumothorax" under Pneumothorax), one that drops words a
  broader one; :func:`relation` says which, and such names are never offered, whatever
  the source says. Only the matched concept's own names are offered: never a parent's or
  a child's in any tree (Ewing sarcoma sits under osteosarcoma in MeSH's).
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

VOCABULARY_FILE = "vocabulary.json.gz"
VOCABULARY_FORMAT = 1

# Words that carry no meaning in a diagnosis name ("dysplasia of the hip" = "hip dysplasia"),
# and ICD-10-CM's "not otherwise specified" markers, which say nothing more than the name.
_FILLER = frozenset({"a", "an", "the", "of", "nos", "unspecified"})
# Sides are qualifiers of a case, never part of a concept's name: "Left tension
# pneumothorax" is looked up as "tension pneumothorax".
_SIDE = re.compile(
    r"^(?:(?:left|right|bilateral|unilateral)(?:[\s-]+sided)?|lt\.?|rt\.?)\s+", re.IGNORECASE
)
_SIDE_AFTER = re.compile(r",?\s+(?:left|right|bilateral)(?:[\s-]+sided)?\s*$", re.IGNORECASE)
# British spellings folded to American ones, word by word (MeSH and ICD-10-CM are American).
_AMERICAN: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"^haem", "hem"),
        (r"(?<=[a-z])aemia$", "emia"),
        (r"(?<=[a-z])aemias$", "emias"),
        (r"^oedem", "edem"),
        (r"^oesophag", "esophag"),
        (r"^oestr", "estr"),
        (r"^diarrhoea", "diarrhea"),
        (r"^(ortho)?paed", r"\1ped"),
        (r"^caec", "cec"),
        (r"^anaesth", "anesth"),
        (r"^aetiol", "etiol"),
        (r"^gynaecol", "gynecol"),
        (r"tumour", "tumor"),
        (r"^centre", "center"),
        (r"^fibre", "fiber"),
        (r"^colour", "color"),
        (r"(?<=[a-z]{3})isation", "ization"),
    )
)

Relation = Literal[
    "same", "spelling", "abbreviation", "narrower", "broader", "overlapping", "distinct"
]


@lru_cache(maxsize=65536)
def plain_words(text: str) -> tuple[str, ...]:
    """The words of ``text``, lower case, accents, possessives and punctuation dropped,
    British spelling made American: ``"Hodgkin's lymphoma"`` → ``("hodgkin", "lymphoma")``."""
    folded = unicodedata.normalize("NFKD", text.replace("’", "'"))
    folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    folded = re.sub(r"(?<=\w)'s?\b", "", folded)
    found = re.findall(r"[a-z0-9]+", folded)
    return tuple(_americanise(word) for word in found)


@lru_cache(maxsize=65536)
def _americanise(word: str) -> str:
    for pattern, replacement in _AMERICAN:
        word = pattern.sub(replacement, word)
    return word


def name_key(text: str) -> tuple[str, ...]:
    """What two names must share to be the same name: their words but fillers, sorted.

    ``"Sarcoma, Ewing"``, ``"Ewing's sarcoma"`` and ``"ewing sarcoma"`` share a key;
    ``"Pneumothorax NOS"`` and ``"Pneumothorax"`` too.
    """
    return tuple(sorted(w for w in plain_words(text) if w not in _FILLER))


def is_initialism(short: str, name: str) -> bool:
    """Whether ``short`` is one word spelt by ``name``'s words in order, each word giving
    its first letter and perhaps a few more after it: DDH ← developmental dysplasia of
    the hip, TOF ← tetralogy of Fallot, EMH ← extramedullary hematopoiesis, HCC ←
    hepatocellular carcinoma. Words such as "of" may give a letter or none.

    Never for a name of one word ("polio" is a truncation, "xanthoma" another word),
    never more than two letters beyond one per word, and never a plural ("TBIs").
    """
    letters = plain_words(short)
    if len(letters) != 1 or not letters[0].isalpha():
        return False
    word = letters[0]
    words = tuple(w for w in plain_words(name) if w not in ("nos", "unspecified"))
    content = [w for w in words if w not in _FILLER]
    if len(content) < 2 or not 2 <= len(word) <= len(content) + 2:
        return False
    if word.endswith("s") and _spells(word[:-1], words):
        return False
    return _spells(word, words)


@lru_cache(maxsize=4096)
def _spells(short: str, words: tuple[str, ...]) -> bool:
    if not words:
        return not short
    word, rest = words[0], words[1:]
    if word in _FILLER and _spells(short, rest):
        return True
    if not short or short[0] != word[0]:
        return False
    # The word gives its first letter, then perhaps some of its later letters, in order.
    return any(_spells(tail, rest) for tail in _tails(short[1:], word[1:]))


def _tails(short: str, inside: str) -> list[str]:
    """What is left of ``short`` after taking 0, 1, 2 ... of its letters from ``inside``."""
    tails = [short]
    at = 0
    for taken, letter in enumerate(short):
        found = inside.find(letter, at)
        if found < 0:
            break
        at = found + 1
        tails.append(short[taken + 1 :])
    return tails


def relation(term: str, name: str) -> Relation:
    """How ``term`` relates to the concept named ``name``, by their words alone.

    ``same``: the same words (another order, spelling or punctuation); ``spelling``: one
    word a plural of the other's or a letter off (a slip: "Tetrology of Fallot"), which the
    grader's typo rules cover and which says nothing new; ``abbreviation``:
    an initialism of the name; ``narrower``: the name's words and more ("tension
    pneumothorax" for pneumothorax: a kind of it); ``broader``: some of the name's words
    and nothing else ("pneumothorax" for tension pneumothorax); ``overlapping``: some
    words shared, some changed ("Hodgkin disease" for Hodgkin lymphoma, but also
    "acute pyelitis" for acute pyelonephritis); ``distinct``: no word shared
    ("osteogenic sarcoma" for osteosarcoma, but also "cerebellopontine angle tumor"
    for acoustic neuroma). Only the first two are equivalent by their words; the last
    two need two sources that say so (see ``tools/build_vocabulary.py``).
    """
    mine, theirs = name_key(term), name_key(name)
    if mine == theirs:
        return "same"
    if is_initialism(term, name):
        return "abbreviation"
    if _one_word_respelt(mine, theirs):
        return "spelling"
    mine_set, theirs_set = set(mine), set(theirs)
    if mine_set >= theirs_set or _contains(mine, theirs):
        return "narrower"
    if mine_set <= theirs_set or _contains(theirs, mine):
        return "broader"
    return "overlapping" if mine_set & theirs_set else "distinct"


def _one_word_respelt(mine: Sequence[str], theirs: Sequence[str]) -> bool:
    """Whether the two keys differ in one word only, as a plural or by one letter."""
    if len(mine) != len(theirs):
        return False
    only_mine = [w for w in mine if w not in theirs]
    only_theirs = [w for w in theirs if w not in mine]
    if len(only_mine) != 1 or len(only_theirs) != 1:
        return False
    a, b = sorted((only_mine[0], only_theirs[0]), key=len)
    if any(a.endswith(one) and b == a[: len(a) - len(one)] + other for one, other in _PLURALS):
        return True
    # One letter, in a long word only: "tetrology" for tetralogy; never "neuroblastoma"
    # for nephroblastoma (two letters) or "hypoplastic" for hyperplastic.
    return len(a) >= 6 and abs(len(a) - len(b)) <= 1 and _edits(a, b) == 1


# Singular and plural endings of medical words, shorter form first.
_PLURALS = (
    ("", "s"),
    ("", "es"),
    ("is", "es"),
    ("um", "a"),
    ("on", "a"),
    ("a", "ae"),
    ("us", "i"),
    ("ma", "mata"),
    ("mas", "mata"),
    ("x", "ces"),
)


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions and substitutions)."""
    previous = list(range(len(b) + 1))
    for i, letter in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (letter != other))
            )
        previous = current
    return previous[-1]


def _contains(longer: Sequence[str], shorter: Sequence[str]) -> bool:
    """Whether the multiset ``longer`` holds every word of ``shorter`` (and more)."""
    rest = list(longer)
    for word in shorter:
        if word not in rest:
            return False
        rest.remove(word)
    return len(rest) > 0


def looks_like_abbreviation(text: str) -> bool:
    """Whether ``text`` is one word of up to three letters or with two capitals or more
    (AML, EMH, PNETs, but not Gout): an abbreviation means different things in different
    cases (AML: acute myeloid leukaemia, angiomyolipoma), so a concept is never found by
    one."""
    words = plain_words(text)
    if len(words) != 1:
        return False
    return len(words[0]) <= 3 or sum(c.isupper() for c in text) >= 2


def core_name(diagnosis: str) -> str:
    """The diagnosis without its side: ``"Left tension pneumothorax"`` → ``"tension
    pneumothorax"``; ``"Pyelonephritis, right"`` → ``"Pyelonephritis"``."""
    text = _SIDE.sub("", diagnosis.strip())
    return _SIDE_AFTER.sub("", text).strip() or diagnosis.strip()


@dataclass(frozen=True)
class Source:
    """One terminology the vocabulary was built from, with the credit its terms ask for."""

    name: str
    version: str
    credit: str
    package: str


@dataclass(frozen=True)
class Concept:
    """A concept of one source: its id (``MeSH:D016539``), its name and the other names
    kept as meaning exactly the same."""

    id: str
    name: str
    synonyms: tuple[str, ...]

    @property
    def source(self) -> str:
        """``MeSH``, ``HPO`` or ``ICD-10-CM`` (HPO's own ids start ``HP:``)."""
        prefix = self.id.split(":", 1)[0]
        return "HPO" if prefix == "HP" else prefix


@dataclass(frozen=True)
class KnownName:
    """A name the vocabulary knows for a diagnosis, and the concepts that give it."""

    form: str
    concepts: tuple[str, ...]

    @property
    def mark(self) -> str:
        """Where the name comes from, for the comment beside it in a case file."""
        return "vocabulary: " + ", ".join(self.concepts)


@dataclass(frozen=True)
class Vocabulary:
    """The concepts and their names, indexed by :func:`name_key`."""

    concepts: tuple[Concept, ...]
    sources: tuple[Source, ...] = ()
    changes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        index: dict[tuple[str, ...], list[Concept]] = {}
        for concept in self.concepts:
            for name in (concept.name, *concept.synonyms):
                if looks_like_abbreviation(name):
                    continue  # AML is acute myeloid leukaemia and angiomyolipoma: never a key
                found = index.setdefault(name_key(name), [])
                if concept not in found:
                    found.append(concept)
        object.__setattr__(self, "_index", index)

    def match(self, diagnosis: str) -> tuple[Concept, ...]:
        """The concepts named exactly ``diagnosis`` (its side aside), by any of their names."""
        index: dict[tuple[str, ...], list[Concept]] = self._index  # type: ignore[attr-defined]
        core = core_name(diagnosis)
        # A concept reached through a name narrower or broader than its own (which the build
        # never keeps) is not the diagnosis's concept: never offer a parent's names.
        return tuple(
            concept
            for concept in index.get(name_key(core), ())
            if relation(core, concept.name) not in ("narrower", "broader")
        )

    def names_for(self, diagnoses: Iterable[str]) -> tuple[KnownName, ...]:
        """Every name the vocabulary knows for these wordings of one diagnosis, except the
        wordings themselves (nor another order, spelling or plural of them), in a stable
        order.

        A name is offered only if it is neither narrower nor broader than the wording it
        was found for (a second guard beside the build's).
        """
        wordings = [d for d in diagnoses if d.strip() and not looks_like_abbreviation(d)]
        have = {name_key(core_name(d)) for d in wordings} | {name_key(d) for d in wordings}
        found: dict[tuple[str, ...], tuple[str, list[str]]] = {}
        for wording in wordings:
            core = core_name(wording)
            for concept in self.match(wording):
                for name in (concept.name, *concept.synonyms):
                    key = name_key(name)
                    if key in have or relation(name, core) in ("narrower", "broader"):
                        continue
                    if any(relation(name, w) == "spelling" for w in wordings):
                        continue  # a plural or a slip of a wording the case has
                    _written, ids = found.setdefault(key, (name, []))
                    if concept.id not in ids:
                        ids.append(concept.id)
        return tuple(KnownName(form, tuple(ids)) for form, ids in found.values())


def parse_vocabulary(data: dict[str, Any]) -> Vocabulary:
    """A :class:`Vocabulary` from the JSON data ``tools/build_vocabulary.py`` writes."""
    if data.get("format") != VOCABULARY_FORMAT:
        raise ValueError(f"unknown vocabulary format {data.get('format')!r}")
    concepts = tuple(
        Concept(str(cid), str(name), tuple(str(s) for s in synonyms))
        for cid, name, synonyms in data["concepts"]
    )
    sources = tuple(
        Source(str(s["name"]), str(s["version"]), str(s["credit"]), str(s["package"]))
        for s in data.get("sources", ())
    )
    return Vocabulary(concepts, sources, tuple(str(c) for c in data.get("changes", ())))


@lru_cache(maxsize=1)
def shipped_vocabulary() -> Vocabulary:
    """The vocabulary shipped with tutorbot (read once)."""
    raw = resources.files("tutorbot.cases").joinpath(VOCABULARY_FILE).read_bytes()
    return parse_vocabulary(json.loads(gzip.decompress(raw).decode("utf-8")))
