"""A case's diagnosis compiled against a lexicon: its forms, vocabulary and look-up tables.

Each accepted, partial and wrong answer of the spec becomes a :class:`Form`
(its canonical core words and qualifiers); :func:`build` collects them with
everything the later steps look up in one :class:`Compiled`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from tutorbot.cases.model import DiagnosisSpec
from tutorbot.grading.lexicon import Lexicon, Phrase, by_length
from tutorbot.grading.normalise import class_token, words
from tutorbot.grading.verdict import Outcome, Verdict
from tutorbot.grading.wordlists import (
    CONNECTORS,
    CORRECT_FEEDBACK,
    EPONYM_HEADS,
    EPONYMS,
    GENERIC,
    PROCESS_HEADS,
    STOPWORDS,
    STRUCTURES,
    TAIL_CONNECTORS,
    TRIGGER_WORDS,
)


@dataclass(frozen=True)
class Form:
    """One answer the case foresaw, compiled."""

    kind: Outcome  # "correct" for the answer and accepted forms
    text: str
    feedback: str
    core: Phrase  # the words that must all appear, in order
    compact: str  # the core without spaces ("extra medullary" = "extramedullary")
    quals: tuple[str, ...]  # opposite-group qualifiers of the form (left, acute ...)
    core_set: frozenset[str] = frozenset()
    # Every word of the form as written and canonical: a typo in one of them
    # earns the "note the spelling" remark.
    own: frozenset[str] = frozenset()
    # Site qualifiers an answer must give: the core is only a process
    # ("Splenic laceration": which organ?).
    essential: tuple[str, ...] = ()
    # What a diagnosis line adds after "with", "due to" ... (a consequence,
    # cause or finding): optional in an answer, a finding when named alone.
    tail: Phrase = ()


@dataclass(frozen=True)
class Finding:
    """One finding or history line of the case as words: said of the case, or ruled out."""

    positive: frozenset[str]
    negated: frozenset[str]


@dataclass
class Compiled:
    """A spec compiled against a lexicon: forms, vocabulary and lookup tables."""

    spec: DiagnosisSpec
    lexicon: Lexicon
    forms: tuple[Form, ...]
    vocab: frozenset[str]
    harmless: frozenset[str]
    gap: frozenset[str]  # words that may stand between the words of a form
    detail_words: frozenset[str]  # size, side, site: detail, never a diagnosis
    consistent: frozenset[str]
    required: tuple[str, ...]
    case_quals: tuple[str, ...]
    opposite: dict[str, frozenset[str]]
    kinds: Mapping[str, str]
    term_index: dict[str, tuple[Phrase, ...]]
    trigger_words: frozenset[str]
    typos: dict[str, tuple[str, int] | None] = field(default_factory=dict)
    case_vocab_by_length: dict[int, list[str]] = field(default_factory=dict)
    # Rarest core word of each form -> form indices; the first 1-5 letters of
    # each form's compact spelling -> form indices (see _form_candidates).
    key_index: dict[str, tuple[int, ...]] = field(default_factory=dict)
    prefix_index: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # Word length -> the words within two letters of it (typo candidates).
    lexicon_pools: dict[int, list[str]] = field(default_factory=dict)
    case_pools: dict[int, list[str]] = field(default_factory=dict)
    # Verdicts by the answer's tokens (see grade_compiled): the case's own
    # accepted forms, then up to MEMO_SIZE answers graded since.
    memo: dict[str, Verdict] = field(default_factory=dict)
    memo_limit: int = 0
    # Known word -> its canonical words (for the spelling note), filled lazily.
    canon_words: dict[str, frozenset[str]] = field(default_factory=dict)
    # Every core word of every form (for reading a word in context).
    form_words: frozenset[str] = frozenset()
    # Word -> what it may stand for in context (see _in_context), filled lazily.
    context: dict[str, tuple[Phrase, ...]] = field(default_factory=dict)
    # The case's findings as words (see fromcase.findings_of), read when first needed.
    findings: tuple[Finding, ...] | None = None
    # Head noun -> words the case text writes before it (see fromcase.variants_named).
    variants: dict[str, frozenset[str]] | None = None
    # With a core concept (``diagnosis.core``): the other words of the diagnosis
    # line, its optional qualifiers; those of no known kind ("tubal", "isthmic"),
    # which another word in their place contradicts; the spinal levels it names.
    # Clauses of the teaching points as (words, class steps), read when first needed
    # (see fromcase.graded_clauses).
    clauses: tuple[tuple[frozenset[str], frozenset[str]], ...] | None = None
    line_quals: frozenset[str] = frozenset()
    # What the findings say of the lesion's place (see sites.py), read when first needed.
    site_facts: tuple[frozenset[str], frozenset[str], frozenset[str]] | None = None
    slot: frozenset[str] = frozenset()
    levels: frozenset[str] = frozenset()


@dataclass
class Word:
    """A word of the answer on its way through the steps."""

    text: str
    raw: str
    negated: bool = False
    dropped: bool = False


def canonicalise(phrase: Phrase, lexicon: Lexicon) -> tuple[Phrase, list[str]]:
    """Rewrite synonyms to their canonical form, longest phrase first; notes what changed."""
    pairs, notes = canonicalise_aligned(list(phrase), list(phrase), lexicon)
    return tuple(w for w, _ in pairs), notes


def canonicalise_aligned(
    phrase: list[str], raws: list[str], lexicon: Lexicon
) -> tuple[list[tuple[str, str]], list[str]]:
    """As :func:`canonicalise`, keeping what was typed: a rewritten phrase's raw
    text goes with its first canonical word, the others get ""."""
    out: list[tuple[str, str]] = []
    notes: list[str] = []
    sizes = lexicon.synonym_sizes
    canonical_sizes = lexicon.canonical_sizes
    i = 0
    while i < len(phrase):
        # A canonical phrase already written out stays as it is, unless a
        # longer variant starts here: "ewing sarcoma" is not "ewing" + "sarcoma".
        keep = 0
        if phrase[i] in canonical_sizes:
            for k in canonical_sizes[phrase[i]]:
                if k <= len(phrase) - i and tuple(phrase[i : i + k]) in lexicon.canonicals:
                    keep = k
                    break
        for size in sizes.get(phrase[i], ()):
            if size > len(phrase) - i or size <= keep:
                continue
            key = tuple(phrase[i : i + size])
            canon = lexicon.synonyms.get(key)
            if canon is not None:
                raw = " ".join(raws[i : i + size])
                out.extend((w, raw if k == 0 else "") for k, w in enumerate(canon))
                written, target = lexicon.labels.get(key, (" ".join(key), " ".join(canon)))
                notes.append(f"lexicon: {written} = {target}")
                i += size
                break
        else:
            if keep:
                out.extend(zip(phrase[i : i + keep], raws[i : i + keep], strict=True))
                i += keep
                continue
            out.append((phrase[i], raws[i]))
            i += 1
    return out, notes


def is_qualifier(word: str, opposite: Mapping[str, frozenset[str]]) -> bool:
    """A word of an opposites group (left, acute, spleen ...) or a class step (type_2)."""
    return word in opposite or class_token(word) is not None


def _core(phrase: Phrase, opposite: dict[str, frozenset[str]]) -> tuple[Phrase, tuple[str, ...]]:
    # A generic noun that has an opposite ("disease" vs "syndrome") stays, as a qualifier.
    content = tuple(w for w in phrase if w not in GENERIC or w in opposite)
    quals = tuple(w for w in content if is_qualifier(w, opposite))
    core = tuple(w for w in content if not is_qualifier(w, opposite))
    # A carrier noun is optional beside another core word ("middle lobe
    # collapse": "collapse"), the core itself without one ("right upper lobe").
    named = tuple(w for w in core if w not in STRUCTURES)
    if named:
        return named, quals
    return (core, quals) if core else (content, ())


def _split_tail(written: Phrase) -> tuple[Phrase, Phrase]:
    """A diagnosis line's own words and what it adds after "with", "due to" ..."""
    for i, w in enumerate(written):
        if i > 0 and w in TAIL_CONNECTORS:
            return written[:i], written[i + 1 :]
    return written, ()


# The kinds of qualifier that name a place (lexicon `qualifiers:` groups).
SITE_KINDS = frozenset({"organ", "bone", "site", "tendon"})


def build(spec: DiagnosisSpec, lexicon: Lexicon) -> Compiled:
    """Compile a spec's forms and tables (the grader adds its fast path: see ``grader.compile_spec``)."""
    opposite = lexicon.opposite
    forms: list[Form] = []
    case_words: set[str] = set()
    consistent: set[str] = set()

    def add(kind: Outcome, text: str, feedback: str) -> None:
        written = words(text)
        head, after = _split_tail(written) if kind == "correct" else (written, ())
        phrase, _ = canonicalise(head, lexicon)
        tail = tuple(
            w for w in canonicalise(after, lexicon)[0] if w not in GENERIC or w in opposite
        )
        case_words.update(written)
        case_words.update(phrase)
        case_words.update(tail)
        core, quals = _core(phrase, opposite)
        if not core:
            return
        if kind != "wrong":
            consistent.update(core)
            consistent.update(tail)
        own = frozenset((*core, *quals, *written))
        essential: tuple[str, ...] = ()
        if kind == "correct" and all(w in PROCESS_HEADS for w in core):
            # A process alone ("laceration", "dissection") needs its site, or
            # failing one its type: "Splenic laceration", "Type A dissection".
            sites = tuple(q for q in quals if lexicon.kinds.get(q) in SITE_KINDS)
            essential = sites or tuple(q for q in quals if class_token(q) is not None)
        forms.append(
            Form(
                kind, text, feedback, core, "".join(core), quals, frozenset(core), own,
                essential, tail,
            )
        )  # fmt: skip
        if kind == "correct" and len(core) > 1 and core[-1] in EPONYM_HEADS:
            # An eponym alone names it: "Colles" = "Colles fracture".
            named = core[:-1]
            if all(w in EPONYMS for w in named):
                forms.append(
                    Form(kind, text, feedback, named, "".join(named), quals, frozenset(named), own)
                )

    for text in (spec.answer, *spec.accepted):
        add("correct", text, CORRECT_FEEDBACK)
    line_forms = list(forms)
    for text in spec.core:
        add("correct", text, CORRECT_FEEDBACK)
        for word in words(text):
            if word.endswith("oidosis") and len(word) > 9:
                # "sarcoid" for sarcoidosis, "amyloid" for amyloidosis.
                short = text.casefold().replace(word, word[: -len("osis")])
                add("correct", short, CORRECT_FEEDBACK)
    core_forms = forms[len(line_forms) :]
    for item in spec.partial:
        add("partial", item.answer, item.feedback)
    for item in spec.wrong:
        add("wrong", item.answer, item.feedback)
    required: list[str] = []
    for text in spec.required:
        phrase, _ = canonicalise(words(text), lexicon)
        required.extend(w for w in phrase if w not in STOPWORDS)
        case_words.update(phrase)
    # Longest first, so "tension pneumothorax" wins over "pneumothorax"; at
    # equal length a known wrong answer is tried before the others.
    rank = {"wrong": 0, "correct": 1, "partial": 2}
    forms.sort(key=lambda f: (-len(f.core), rank[f.kind]))
    vocab = lexicon.vocabulary | case_words
    frequency: dict[str, int] = {}
    for f in forms:
        for w in f.core_set:
            frequency[w] = frequency.get(w, 0) + 1
    key_index: dict[str, list[int]] = {}
    prefix_index: dict[str, list[int]] = {}
    for k, f in enumerate(forms):
        key_index.setdefault(min(f.core, key=lambda w: (frequency[w], w)), []).append(k)
        for size in range(1, min(PREFIX, len(f.compact)) + 1):
            prefix_index.setdefault(f.compact[:size], []).append(k)
    c = Compiled(
        spec=spec,
        lexicon=lexicon,
        forms=tuple(forms),
        vocab=vocab,
        harmless=frozenset(
            lexicon.modifiers | consistent | STOPWORDS | CONNECTORS | set(opposite) | STRUCTURES
        ),
        gap=frozenset(
            (lexicon.modifiers | set(opposite) | STRUCTURES)
            - {t[0] for t in lexicon.terms if len(t) == 1}
        ),
        detail_words=frozenset(
            (lexicon.modifiers | set(opposite)) - {t[0] for t in lexicon.terms if len(t) == 1}
        ),
        consistent=frozenset(consistent),
        required=tuple(required),
        case_quals=tuple(dict.fromkeys(q for f in forms if f.kind == "correct" for q in f.quals)),
        opposite=opposite,
        kinds=lexicon.kinds,
        term_index=lexicon.term_index,
        trigger_words=TRIGGER_WORDS,
        case_vocab_by_length=by_length(sorted(case_words - lexicon.vocabulary)),
        key_index={w: tuple(ks) for w, ks in key_index.items()},
        lexicon_pools=lexicon.typo_pools,
        prefix_index={p: tuple(ks) for p, ks in prefix_index.items()},
        form_words=frozenset(w for f in forms for w in f.core),
    )
    if spec.core:
        _line_qualifiers(c, line_forms, core_forms)
    return c


_LEVEL = re.compile(r"(?:[ctls]\d{1,2}){1,2}")


def vertebrae(word: str) -> frozenset[str]:
    """The vertebrae a spinal level names ("l5s1" -> {"l5", "s1"}); empty for other words."""
    if not _LEVEL.fullmatch(word):
        return frozenset()
    return frozenset(re.findall(r"[ctls]\d{1,2}", word))


def _line_qualifiers(c: Compiled, lines: list[Form], cores: list[Form]) -> None:
    """The qualifiers of a diagnosis line around its core concept (see :class:`Compiled`)."""
    concept = {w for f in cores for w in f.core}
    quals = {
        w
        for f in lines
        for w in (*f.core, *f.quals)
        if w not in concept and w not in STOPWORDS and w not in GENERIC
    }
    levels = {v for w in quals for v in vertebrae(w)}
    slot = {
        w
        for w in quals
        if w not in c.opposite
        and class_token(w) is None
        and not vertebrae(w)
        and w not in c.lexicon.modifiers
        and w not in c.required
    }
    # The initials of the line's qualifier words: "MFC" for "medial femoral condyle".
    for f in lines:
        written = [w for w in words(f.text) if w not in STOPWORDS and w not in concept]
        for i in range(len(written)):
            for j in range(i + 2, min(i + 4, len(written)) + 1):
                quals.add("".join(w[0] for w in written[i:j]))
    c.line_quals = frozenset(quals)
    c.levels = frozenset(levels)
    c.slot = frozenset(slot)


PREFIX = 5
