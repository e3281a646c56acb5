"""Finding a case's forms among a candidate's words: the candidate as read, and
where each form's words stand in it (in order, reordered, with gaps, run together)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tutorbot.grading.forms import PREFIX, Compiled, Form, Word
from tutorbot.grading.lexicon import Phrase
from tutorbot.grading.verdict import Outcome
from tutorbot.grading.wordlists import CONNECTORS, GENERIC


@dataclass
class Candidate:
    """One candidate of a (possibly one-item) differential, judged."""

    text: str
    outcome: Outcome | None  # None: names nothing the grader recognises
    form: Form | None = None
    feedback: str = ""
    why: list[str] = field(default_factory=list)
    negated: bool = False
    diagnosis_like: bool = False
    detail: bool = False  # a partial form beside the right answer: consistent detail
    # Names only what the case's own right or partial forms name ("squamous
    # cell carcinoma" for a Pancoast tumour with "lung cancer" partial).
    consistent: bool = False
    alternative: bool = False  # offered with "or", "vs" or "/"


def find(
    words_: list[str], form: Form, gap: frozenset[str] = frozenset()
) -> tuple[int, int] | None:
    n = len(form.core)
    for i in range(len(words_) - n + 1):
        if tuple(words_[i : i + n]) == form.core:
            return i, i + n
    # The same words in another order: "pneumothorax (under) tension", also with the
    # form's own qualifiers among them: "fracture (of the) distal radius".
    if n > 1:
        wanted = sorted(form.core)
        for i in range(len(words_) - n + 1):
            if sorted(words_[i : i + n]) == wanted:
                return i, i + n
        if form.quals:
            kept = [i for i, w in enumerate(words_) if w not in form.quals]
            for a in range(len(kept) - n + 1):
                first, last = kept[a], kept[a + n - 1]
                if (
                    last - first + 1 - n <= MAX_GAP
                    and sorted(words_[k] for k in kept[a : a + n]) == wanted
                ):
                    return first, last + 1
        # In order, with up to MAX_GAP harmless words between them: "sigmoid
        # colon volvulus", "pleural effusion" in "pleural (left) effusion".
        for i in range(len(words_)):
            if words_[i] != form.core[0]:
                continue
            k, j, skipped = 1, i + 1, 0
            while k < n and j < len(words_) and skipped <= MAX_GAP:
                if words_[j] == form.core[k]:
                    k += 1
                elif words_[j] in gap or words_[j] in form.quals:
                    # (the form's own qualifier stands between its words:
                    # "slipped upper femoral epiphysis")
                    skipped += 1
                else:
                    break
                j += 1
            if k == n and skipped <= MAX_GAP:
                return i, j
    # Spacing differences: "pneumo thorax", "osteo sarcoma".
    for i in range(len(words_)):
        joined = ""
        for j in range(i, len(words_)):
            joined += words_[j]
            if joined == form.compact:
                return i, j + 1
            if not form.compact.startswith(joined):
                break
    return None


def _in_order(seq: list[str], form: Form, span: tuple[int, int]) -> bool:
    return tuple(w for w in seq[span[0] : span[1]] if w in form.core_set) == form.core


def _form_candidates(present: set[str], c: Compiled) -> list[int]:
    """Indices (in order) of the forms :func:`_find` could find among these words.

    A form is found either with all its core words present (then its rarest
    core word is present) or with its words run together ("pneumo thorax"),
    which needs a word that starts its compact spelling.
    """
    out: set[int] = set()
    key_index, prefix_index = c.key_index, c.prefix_index
    for w in present:
        hit = key_index.get(w)
        if hit:
            out.update(hit)
        hit = prefix_index.get(w[:PREFIX])
        if hit:
            out.update(hit)
    return sorted(out)


# Length of the compact-spelling prefixes indexed by _form_candidates.
# Harmless words allowed between the words of a form.
MAX_GAP = 2


@dataclass
class Reading:
    """A candidate's words as the judge reads them: content words, the forms found
    among them and where, the known terms they name, the negated positions."""

    content: list[Word]
    seq: list[str]
    present: set[str]
    found: list[tuple[Form, tuple[int, int]]]
    terms: list[Phrase]
    negated: set[int]


def read(segment: list[Word], c: Compiled) -> Reading:
    content = [w for w in segment if w.text not in GENERIC or w.text in c.opposite]
    seq = [w.text for w in content]
    present = set(seq)
    joined = "".join(seq)
    found: list[tuple[Form, tuple[int, int]]] = []
    forms = c.forms
    for k in _form_candidates(present, c):
        form = forms[k]
        # Cheap filters first: all core words present, or the compact form inside.
        if not form.core_set <= present and form.compact not in joined:
            continue
        span = find(seq, form, c.gap)
        if span is not None:
            found.append((form, span))
    terms = [t for w in dict.fromkeys(seq) for t in c.term_index.get(w, ())]
    negated = {i for i, w in enumerate(content) if w.negated}
    return Reading(content, seq, present, found, terms, negated)


def words_outside(r: Reading, form: Form, span: tuple[int, int]) -> list[int]:
    # A qualifier may stand between the words of a form ("dislocation of the
    # left shoulder"): the qualifier checks read every word but the form's own.
    inside = range(*span)
    return [
        i
        for i in range(len(r.seq))
        if i not in r.negated and (i not in inside or r.seq[i] not in form.core_set)
    ]


def context_start(seq: list[str], end: int) -> int:
    # Words after a connector ("secondary to", "with") describe context.
    return next((i for i in range(end, len(seq)) if seq[i] in CONNECTORS), len(seq))


def rank(
    hit: tuple[Form, tuple[int, int]], seq: list[str], present: set[str], c: Compiled
) -> tuple[int, bool, int, bool]:
    form = hit[0]
    written = sum(1 for q in form.quals if q in present)
    contradicted = any(
        q not in present and not present.isdisjoint(c.opposite.get(q, ())) for q in form.quals
    )
    missing = len(form.quals) - written
    return (-len(form.core) - written, contradicted, missing, not _in_order(seq, *hit))


def find_phrase(seq: list[str], phrase: Phrase) -> tuple[int, int] | None:
    n = len(phrase)
    for i in range(len(seq) - n + 1):
        if tuple(seq[i : i + n]) == phrase:
            return i, i + n
    return None


def contains(seq: list[str], phrase: Phrase) -> bool:
    return find_phrase(seq, phrase) is not None


def kind_name(kind: Outcome) -> str:
    return {"correct": "accepted", "partial": "partial", "wrong": "known wrong"}[kind]
