"""The grading lexicon: synonyms, ambiguous abbreviations, known terms, opposites.

The shipped lexicon (``lexicon.yaml`` beside this module) holds medical
knowledge that is true in every case; an instructor adds to it with
``<cases folder>/lexicon.yaml`` in the same format. Every entry is normalised
exactly like an answer, so any spelling may be used in the files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from tutorbot.grading.normalise import words

LEXICON_FILE = "lexicon.yaml"
SHIPPED = Path(__file__).with_name(LEXICON_FILE)
# The curated list of standard abbreviations, read with the shipped lexicon.
ABBREVIATIONS = Path(__file__).with_name("abbreviations.yaml")
SECTIONS = ("synonyms", "ambiguous", "terms", "opposites", "qualifiers", "modifiers")

Phrase = tuple[str, ...]


class LexiconError(ValueError):
    """A lexicon file is malformed; the message names the file and line."""


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Normalised lexicon data. Compared and hashed by identity (it is a cache key)."""

    # variant phrase -> canonical phrase, e.g. ("emh",) -> ("extramedullary", "hematopoiesis")
    synonyms: Mapping[Phrase, Phrase] = field(default_factory=dict)
    # variant phrase -> (variant as written, canonical as written), for the "why" notes
    labels: Mapping[Phrase, tuple[str, str]] = field(default_factory=dict)
    ambiguous: frozenset[Phrase] = frozenset()
    terms: frozenset[Phrase] = frozenset()
    opposites: tuple[frozenset[str], ...] = ()
    modifiers: frozenset[str] = frozenset()
    # ambiguous abbreviation -> its meanings (canonical), for reading it in context
    meanings: Mapping[Phrase, tuple[Phrase, ...]] = field(default_factory=dict)
    # qualifier word -> the kind of detail it gives ("side", "organ" ...), for feedback;
    # its group is among ``opposites``
    kinds: Mapping[str, str] = field(default_factory=dict)

    @cached_property
    def synonym_sizes(self) -> dict[str, tuple[int, ...]]:
        """First word -> the lengths of the synonym phrases starting with it, longest first."""
        out: dict[str, set[int]] = {}
        for phrase in self.synonyms:
            out.setdefault(phrase[0], set()).add(len(phrase))
        return {k: tuple(sorted(v, reverse=True)) for k, v in out.items()}

    def canonical(self, phrase: Phrase) -> Phrase:
        """The canonical form of a phrase (itself if it is no variant)."""
        return self.synonyms.get(phrase, phrase)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        """Every word the lexicon knows; none of them is ever read as a typo."""
        known: set[str] = set(self.modifiers)
        for phrase in (*self.synonyms, *self.synonyms.values(), *self.ambiguous, *self.terms):
            known.update(phrase)
        for group in self.opposites:
            known.update(group)
        return frozenset(known)

    @cached_property
    def vocabulary_list(self) -> list[str]:
        """The vocabulary, sorted (for rapidfuzz look-ups)."""
        return sorted(self.vocabulary)

    @cached_property
    def canonical_sizes(self) -> dict[str, tuple[int, ...]]:
        """First word -> lengths of the canonical phrases of two or more words starting
        with it, longest first ("ewing sarcoma" is not rewritten by "ewing")."""
        out: dict[str, set[int]] = {}
        for phrase in set(self.synonyms.values()):
            if len(phrase) > 1:
                out.setdefault(phrase[0], set()).add(len(phrase))
        return {k: tuple(sorted(v, reverse=True)) for k, v in out.items()}

    @cached_property
    def canonicals(self) -> frozenset[Phrase]:
        """The canonical phrases."""
        return frozenset(self.synonyms.values())

    @cached_property
    def vocabulary_by_length(self) -> dict[int, list[str]]:
        """The sorted vocabulary, grouped by word length (for typo look-ups)."""
        return by_length(self.vocabulary_list)

    @cached_property
    def typo_pools(self) -> dict[int, list[str]]:
        """Word length -> vocabulary words within two letters of it; filled as needed."""
        return {}

    @cached_property
    def opposite(self) -> dict[str, frozenset[str]]:
        """Each opposite word -> the words that contradict it."""
        return opposites_of(self)

    @cached_property
    def term_index(self) -> dict[str, tuple[Phrase, ...]]:
        """First word -> known terms starting with it, longest first."""
        out: dict[str, list[Phrase]] = {}
        for term in self.terms:
            out.setdefault(term[0], []).append(term)
        return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in out.items()}

    def merged(self, other: Lexicon) -> Lexicon:
        """This lexicon extended by ``other``; ``other`` wins where they differ.

        An abbreviation the instructor maps in ``synonyms`` is no longer
        ambiguous for their cases.
        """
        synonyms = {**self.synonyms, **other.synonyms}
        labels = {**self.labels, **other.labels}
        ambiguous = (self.ambiguous - set(other.synonyms)) | other.ambiguous
        for phrase in ambiguous:
            synonyms.pop(phrase, None)
        meanings = {k: v for k, v in {**self.meanings, **other.meanings}.items() if k in ambiguous}
        return Lexicon(
            synonyms=synonyms,
            labels=labels,
            ambiguous=frozenset(ambiguous),
            terms=self.terms | other.terms,
            opposites=self.opposites + other.opposites,
            modifiers=self.modifiers | other.modifiers,
            meanings=meanings,
            kinds={**self.kinds, **other.kinds},
        )


def _fail(file: Path, node: yaml.Node | None, message: str) -> LexiconError:
    line = node.start_mark.line + 1 if node is not None else 1
    return LexiconError(f"{file}:{line}: {message}")


def _text(file: Path, node: yaml.Node, where: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise _fail(file, node, f"{where} must be a non-empty word or phrase")
    return str(node.value).strip()


def _list(file: Path, node: yaml.Node, where: str) -> list[yaml.Node]:
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise _fail(file, node, f"{where} must be a list (write `- item` lines or `[a, b]`)")
    return list(node.value)


def _phrase(file: Path, node: yaml.Node, where: str) -> tuple[str, Phrase]:
    text = _text(file, node, where)
    phrase = words(text)
    if not phrase:
        raise _fail(file, node, f"{where} `{text}` has no letters or digits")
    return text, phrase


def _group(file: Path, node: yaml.Node) -> frozenset[str]:
    items = [_phrase(file, n, "an opposite") for n in _list(file, node, "a group")]
    if len(items) < 2 or any(len(p) != 1 for _, p in items):
        raise _fail(file, node, "a group of opposites needs two or more single words")
    return frozenset(p[0] for _, p in items)


@dataclass
class _Entries:
    """What the lexicon files say, collected section by section before normalising."""

    synonyms: dict[Phrase, Phrase] = field(default_factory=dict)
    labels: dict[Phrase, tuple[str, str]] = field(default_factory=dict)
    ambiguous: set[Phrase] = field(default_factory=set)
    meanings: dict[Phrase, list[Phrase]] = field(default_factory=dict)
    terms: set[Phrase] = field(default_factory=set)
    opposites: list[frozenset[str]] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    modifiers: set[str] = field(default_factory=set)


def parse_lexicon(source: str, file: Path) -> Lexicon:
    """Build a lexicon from YAML text; raise :class:`LexiconError` naming ``file:line``."""
    return parse_lexicons([(source, file)])


def parse_lexicons(sources: Iterable[tuple[str, Path]]) -> Lexicon:
    """One lexicon from several files' YAML text (the shipped lexicon and its
    abbreviations), normalised together so their canonical words agree."""
    e = _Entries()
    for source, file in sources:
        try:
            root = yaml.compose(source, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark is not None else 1
            raise LexiconError(f"{file}:{line}: not valid YAML ({error.problem})") from None
        if root is None or (isinstance(root, yaml.ScalarNode) and root.value == ""):
            continue
        if not isinstance(root, yaml.MappingNode):
            raise _fail(
                file, root, f"the lexicon must be a mapping with keys {', '.join(SECTIONS)}"
            )
        for key_node, value in root.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in SECTIONS:
                raise _fail(file, key_node, f"unknown section `{key}` (use {', '.join(SECTIONS)})")
            _READERS[key](e, file, value)
    return _finish(e)


def _read_synonyms(e: _Entries, file: Path, value: yaml.Node) -> None:
    for group in _list(file, value, "synonyms"):
        items = [_phrase(file, n, "a synonym") for n in _list(file, group, "a synonym group")]
        if len(items) < 2:
            raise _fail(file, group, "a synonym group needs at least two terms")
        (canon_text, canon), *variants = items
        for text, phrase in variants:
            if phrase != canon:
                e.synonyms[phrase] = canon
                e.labels[phrase] = (text, canon_text)


def _read_ambiguous(e: _Entries, file: Path, value: yaml.Node) -> None:
    if not isinstance(value, yaml.MappingNode):
        raise _fail(file, value, "ambiguous must map each abbreviation to its meanings")
    for abbr_node, senses in value.value:
        abbr = _phrase(file, abbr_node, "an ambiguous abbreviation")[1]
        e.ambiguous.add(abbr)
        for meaning in _list(file, senses, "the meanings"):
            e.terms.add(_phrase(file, meaning, "a meaning")[1])
            e.meanings.setdefault(abbr, []).append(_phrase(file, meaning, "a meaning")[1])


def _read_terms(e: _Entries, file: Path, value: yaml.Node) -> None:
    for node in _list(file, value, "terms"):
        e.terms.add(_phrase(file, node, "a term")[1])


def _read_opposites(e: _Entries, file: Path, value: yaml.Node) -> None:
    for group in _list(file, value, "opposites"):
        e.opposites.append(_group(file, group))


def _read_qualifiers(e: _Entries, file: Path, value: yaml.Node) -> None:
    if not isinstance(value, yaml.MappingNode):
        raise _fail(file, value, "qualifiers must map each kind to its group(s) of words")
    for kind_node, groups in value.value:
        kind = _text(file, kind_node, "a kind of qualifier")
        nodes = _list(file, groups, "a group")
        several = bool(nodes) and isinstance(nodes[0], yaml.SequenceNode)
        for group in nodes if several else [groups]:
            words_ = _group(file, group)
            e.opposites.append(words_)
            e.kinds.update((w, kind) for w in words_)


def _read_modifiers(e: _Entries, file: Path, value: yaml.Node) -> None:
    for node in _list(file, value, "modifiers"):
        e.modifiers.update(_phrase(file, node, "a modifier")[1])


_READERS = {
    "synonyms": _read_synonyms,
    "ambiguous": _read_ambiguous,
    "terms": _read_terms,
    "opposites": _read_opposites,
    "qualifiers": _read_qualifiers,
    "modifiers": _read_modifiers,
}


def _finish(e: _Entries) -> Lexicon:
    synonyms = {k: v for k, v in e.synonyms.items() if k not in e.ambiguous}
    # Canonical phrases are written in canonical words ("abdominal aortic
    # aneurysm" with aortic = aorta), so a phrase and its words agree.
    words_of = {k[0]: v[0] for k, v in synonyms.items() if len(k) == 1 and len(v) == 1}

    def canonical(phrase: Phrase) -> Phrase:
        phrase = synonyms.get(phrase, phrase)
        return tuple(words_of.get(w, w) for w in phrase)

    synonyms = {k: canonical(v) for k, v in synonyms.items()}
    return Lexicon(
        synonyms=synonyms,
        labels=e.labels,
        ambiguous=frozenset(e.ambiguous),
        # Terms are stored canonically so a term and its synonyms are one concept.
        terms=frozenset(canonical(t) for t in e.terms),
        opposites=tuple(e.opposites),
        modifiers=frozenset(e.modifiers),
        meanings={
            k: tuple(canonical(m) for m in v) for k, v in e.meanings.items() if k in e.ambiguous
        },
        kinds=e.kinds,
    )


def read_lexicon(file: Path) -> Lexicon:
    """Parse one lexicon file (undecodable bytes are an error naming the file)."""
    try:
        source = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise LexiconError(f"{file}:1: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise LexiconError(f"{file}:1: cannot be read ({error.strerror})") from None
    return parse_lexicon(source, file)


@lru_cache(maxsize=1)
def shipped_lexicon() -> Lexicon:
    """The lexicon shipped with tutorbot, with its abbreviations (read once)."""
    return parse_lexicons((f.read_text(encoding="utf-8"), f) for f in (SHIPPED, ABBREVIATIONS))


@lru_cache(maxsize=64)
def _extended(file: Path, mtime_ns: int, size: int) -> Lexicon:
    # Keyed by modification time and size so an edited file is read again,
    # while an unchanged one keeps its identity (and the compiled-spec cache).
    return shipped_lexicon().merged(read_lexicon(file))


def load_lexicon(cases_dir: Path | None = None) -> Lexicon:
    """The shipped lexicon plus ``<cases_dir>/lexicon.yaml`` if that file exists.

    Raises :class:`LexiconError` ("file:line: problem") for a broken file.
    """
    if cases_dir is None:
        return shipped_lexicon()
    file = cases_dir / LEXICON_FILE
    try:
        stat = file.stat()
    except OSError:
        return shipped_lexicon()
    return _extended(file.resolve(), stat.st_mtime_ns, stat.st_size)


def opposites_of(lexicon: Lexicon) -> dict[str, frozenset[str]]:
    """Each opposite word -> the words that contradict it."""
    out: dict[str, set[str]] = {}
    for group in lexicon.opposites:
        for word in group:
            out.setdefault(word, set()).update(group - {word})
    return {word: frozenset(others) for word, others in out.items()}


def by_length(sorted_words: Iterable[str]) -> dict[int, list[str]]:
    """Words grouped by length, each group keeping the given order."""
    out: dict[int, list[str]] = {}
    for word in sorted_words:
        out.setdefault(len(word), []).append(word)
    return out
