"""Judging one candidate: which form it matches, and whether its other words change that."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tutorbot.grading.forms import PREFIX, Compiled, Form, Word
from tutorbot.grading.fromcase import credit, variants_named
from tutorbot.grading.lexicon import Phrase
from tutorbot.grading.normalise import class_token, contrasting
from tutorbot.grading.verdict import Outcome
from tutorbot.grading.wordlists import (
    CAUSE_BEFORE,
    CONNECTORS,
    GENERIC,
    TAIL_CONNECTORS,
    WRONG_FEEDBACK,
)


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


def _read(segment: list[Word], c: Compiled) -> Reading:
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


def judge(segment: list[Word], c: Compiled) -> Candidate:
    """Judge one candidate: the form it names (longest first) and what its other words change."""
    r = _read(segment, c)
    text = " ".join(w.raw for w in segment if w.raw)
    diagnosis_like = bool(r.found) or any(contains(r.seq, t) for t in r.terms)
    live = (
        [(f, span) for f, span in r.found if not r.negated.intersection(range(*span))]
        if r.negated
        else r.found
    )
    if r.content and len(r.negated) == len(r.content):
        return Candidate(text, None, negated=True, diagnosis_like=diagnosis_like)
    if not live:
        if r.found:
            return Candidate(text, r.found[0][0].kind, r.found[0][0], negated=True)
        credited = credit(r.seq, r.negated, c)
        if credited is not None:
            cand = Candidate(text, "partial", None, credited[0], diagnosis_like=True)
            cand.why.append(credited[1])
            return cand
        mentioned = [t for t in r.terms if contains(r.seq, t)]
        return Candidate(
            text,
            None,
            diagnosis_like=diagnosis_like,
            consistent=bool(mentioned) and all(w in c.consistent for t in mentioned for w in t),
        )
    r.found = _best_first(live, r, c)
    form, span = r.found[0]
    cand = Candidate(text, form.kind, form, form.feedback, diagnosis_like=True)
    cand.why.append(f"matched {kind_name(form.kind)} '{form.text}'")
    if _check_qualifiers(cand, r, span, c) or form.kind == "wrong":
        return cand
    if _names_another_diagnosis(cand, r, span, c):
        return cand
    _check_competing_and_extras(cand, r, span, c)
    return cand


def _best_first(
    found: list[tuple[Form, tuple[int, int]]], r: Reading, c: Compiled
) -> list[tuple[Form, tuple[int, int]]]:
    if len(found) > 1:
        # A foreseen answer that differs from a right one only by its qualifiers
        # needs them written: "debakey type 1 aortic dissection" is not the
        # wrong "type B aortic dissection".
        right = {f.core_set for f, _ in found if f.kind == "correct"}
        found = [
            hit
            for hit in found
            if hit[0].kind == "correct"
            or hit[0].core_set not in right
            or not hit[0].quals
            or any(q in r.present for q in hit[0].quals)
        ]
    if len(found) > 1:
        # A form's qualifiers written in the answer make it longer; a form whose
        # qualifier the answer contradicts comes last: "posterior shoulder
        # dislocation" is the posterior form, not the anterior one (their core
        # words are the same). At equal length, words found in the order
        # written beat the same number of words found only reordered:
        # "hydatid cyst of liver" is "hydatid cyst", not a reordered "liver cyst".
        found.sort(key=lambda hit: _rank(hit, r.seq, r.present, c))
    if found[0][0].kind == "partial":
        # The right answer beside a partial one in the same words ("sigmoid
        # volvulus causing large bowel obstruction"): the partial one is detail.
        # Not when the right answer lacks a qualifier and the author foresaw
        # the answer without it ("aortic dissection" partial, "type A aortic
        # dissection" right): the author's partial answer stands.
        partial_core = found[0][0].core_set
        better = next(
            (
                hit
                for hit in found
                if hit[0].kind == "correct"
                and (
                    not hit[0].core_set <= partial_core or all(q in r.present for q in hit[0].quals)
                )
            ),
            None,
        )
        if better is not None:
            found = [better, *(hit for hit in found if hit is not better)]
    return found


def _outside(r: Reading, form: Form, span: tuple[int, int]) -> list[int]:
    # A qualifier may stand between the words of a form ("dislocation of the
    # left shoulder"): the qualifier checks read every word but the form's own.
    inside = range(*span)
    return [
        i
        for i in range(len(r.seq))
        if i not in r.negated and (i not in inside or r.seq[i] not in form.core_set)
    ]


def _context_from(seq: list[str], end: int) -> int:
    # Words after a connector ("secondary to", "with") describe context.
    return next((i for i in range(end, len(seq)) if seq[i] in CONNECTORS), len(seq))


def contrary_of(qual: str, c: Compiled) -> Callable[[str], bool]:
    """Whether a word contradicts ``qual``: its opposite ("right" for "left"), or
    another step of the same classifier ("type_3" for "type_2")."""
    step = class_token(qual)
    if step is not None:
        # Another step of the same scale: letters against letters (Stanford A/B),
        # numbers against numbers (grade II/III). "Type A" and "type I" are two
        # scales of one thing (Stanford, DeBakey), not a contradiction.
        return lambda word: (
            (other := class_token(word)) is not None
            and other[0] == step[0]
            and other[1] != step[1]
            and other[1].isdigit() == step[1].isdigit()
        )
    contrary = c.opposite.get(qual, frozenset())
    return contrary.__contains__


def _check_qualifiers(cand: Candidate, r: Reading, span: tuple[int, int], c: Compiled) -> bool:
    """Qualifiers: True when the candidate is judged by them.

    The right diagnosis with a detail that contradicts the case (another side,
    site, organ, type ...) is partial, naming the detail; a foreseen partial or
    wrong answer with a contradicted qualifier is wrong. A missing required
    qualifier, or the missing site of a process ("laceration": of what?), is
    partial. Qualifiers of any accepted form count for the case ("Left tension
    pneumothorax" accepted: "right tension pneumothorax" contradicts it).
    """
    assert cand.form is not None
    form, seq = cand.form, r.seq
    outside = _outside(r, form, span)
    context_from = _context_from(seq, span[1])
    tail_from = next((i for i in range(span[1], len(seq)) if seq[i] in TAIL_CONNECTORS), len(seq))
    for qual in dict.fromkeys((*form.quals, *c.required, *c.case_quals)):
        contradicts = contrary_of(qual, c)
        if qual in r.present:
            both = [seq[i] for i in outside if i < context_from and contradicts(seq[i])]
            if both and form.kind == "correct":
                # "acute on chronic": the qualifier is there, but so is its opposite.
                cand.outcome = "partial"
                cand.feedback = f"Nearly — you wrote both '{qual}' and '{both[0]}'. Which is it?"
                cand.why.append(f"qualifier: '{qual}' and '{both[0]}' both written")
            continue
        # (Not after "with", "due to" ...: "PE with right heart strain" says
        # where the strain is, not the side of a bilateral embolism.)
        clash = [i for i in outside if i < tail_from and contradicts(seq[i])]
        if clash:
            _contradicted(cand, qual, seq[clash[0]], r.content[clash[0]].raw, c)
            return True
        if qual in c.required and form.kind == "correct":
            _required_missing(cand, r, span, qual, c)
    other_kind = _another_kind(r, span, c) if form.kind == "correct" else None
    if other_kind is not None:
        # "emphysematous cholecystitis" where the case names that kind as another.
        cand.outcome = "partial"
        cand.feedback = f"Nearly — check the type: the case tells '{other_kind}' apart."
        cand.why.append(f"another kind the case names: '{other_kind}'")
        return True
    if form.kind == "correct" and form.essential and _names_another_place(r, span, c):
        # "carotid dissection" for a type A one, "urothelial carcinoma" for a renal one.
        cand.outcome, cand.feedback = "wrong", WRONG_FEEDBACK
        cand.why.append("a process named with another, unforeseen site")
        return True
    if form.essential and not r.present.intersection(form.essential):
        # "laceration" for a splenic laceration, "dissection" for a type A one.
        kind = _kind_of(form.essential[0], c)
        cand.outcome = "partial"
        cand.feedback = f"Nearly — be more specific: which {kind}?"
        cand.why.append(f"the {kind} is missing: '{' '.join(form.essential)}'")
        return True
    return False


def _contradicted(cand: Candidate, qual: str, word: str, raw: str, c: Compiled) -> None:
    """The candidate names ``word`` where the case has ``qual``.

    The right diagnosis with another side, site, organ, type or extent is
    partial, naming the detail; unless the author foresaw that very detail as
    a wrong answer ("type B aortic dissection"), whose feedback then says why.
    A contradiction of a foreseen partial or wrong answer, or of a qualifier
    that names another entity (disease/syndrome, benign/malignant), is wrong.
    """
    assert cand.form is not None
    form = cand.form
    said = raw or word
    cand.why.append(f"qualifier: '{word}' contradicts '{qual}'")
    authored = next(
        (
            f
            for f in c.forms
            if f.kind == "wrong" and word in f.quals and form.core_set <= f.core_set
        ),
        None,
    )
    kind = _kind_of(qual, c)
    if authored is not None:
        cand.form, cand.outcome, cand.feedback = authored, "wrong", authored.feedback
        cand.why.append(f"matched {kind_name(authored.kind)} '{authored.text}'")
    elif form.kind == "correct" and kind != "detail":
        cand.outcome = "partial"
        cand.feedback = f"Nearly — check the {kind}: you wrote '{said}'."
    else:
        cand.outcome = "wrong"
        cand.feedback = f"Not quite — check the detail: you wrote '{said}'."


def _another_kind(r: Reading, span: tuple[int, int], c: Compiled) -> str | None:
    """A word before the matched words that the case text writes before the same
    head noun as another kind of it, and that no right form has."""
    k = span[0] - 1
    if k < 0 or k in r.negated:
        return None
    word = r.seq[k]
    own = {w for f in c.forms if f.kind == "correct" for w in (*f.core, *f.quals)}
    if word in own or word in c.lexicon.modifiers:
        return None
    head = r.seq[span[0]]
    if word in variants_named(c).get(head, frozenset()):
        return f"{r.content[k].raw or word} {r.content[span[0]].raw or head}"
    return None


def _names_another_place(r: Reading, span: tuple[int, int], c: Compiled) -> bool:
    """An unknown word right before a bare process ("carotid dissection"): a site
    the case does not name, so another diagnosis."""
    k = span[0] - 1
    return (
        k >= 0
        and k not in r.negated
        and r.seq[k] not in c.harmless
        and r.seq[k] not in c.opposite
        and class_token(r.seq[k]) is None
    )


def _kind_of(qual: str, c: Compiled) -> str:
    if class_token(qual) is not None:
        return "type or grade"
    return c.kinds.get(qual, "detail")


def _required_missing(
    cand: Candidate, r: Reading, span: tuple[int, int], qual: str, c: Compiled
) -> None:
    cand.outcome = "partial"
    cand.why.append(f"required qualifier '{qual}' missing")
    inside = set(range(*span))
    # The author foresaw this very answer (the same words): their feedback says it best.
    authored = next(
        (
            f
            for f, (s, e) in r.found
            if f.kind == "partial" and f.feedback and set(range(s, e)) >= inside
        ),
        None,
    )
    if authored is not None:
        cand.form, cand.feedback = authored, authored.feedback
        cand.why.append(f"matched {kind_name(authored.kind)} '{authored.text}'")
    else:
        options = sorted(c.opposite.get(qual, frozenset()) | {qual})
        cand.feedback = "Nearly — be more specific: " + (
            " or ".join(options) + "?" if len(options) > 1 else f"which {qual}?"
        )


def _names_another_diagnosis(
    cand: Candidate, r: Reading, span: tuple[int, int], c: Compiled
) -> bool:
    # A known term that takes the matched words further is another
    # diagnosis: "pericardial effusion" is not an "effusion" of the pleura.
    inside = set(range(*span))
    for term in r.terms:
        found = find_phrase(r.seq, term)
        if found is None or not inside & set(range(*found)) or set(range(*found)) <= inside:
            continue
        if all(r.seq[k] in c.consistent for k in range(*found) if k not in inside):
            continue
        named = " ".join(r.content[k].raw for k in range(*found) if r.content[k].raw)
        cand.outcome, cand.feedback = "wrong", WRONG_FEEDBACK
        cand.why.append(f"names another diagnosis: '{named}'")
        return True
    return False


def _competing(r: Reading, form: Form, span: tuple[int, int], c: Compiled) -> list[str]:
    """The competing diagnoses named beside the matched form."""
    inside = set(range(*span))
    extras = [i for i in range(len(r.seq)) if i not in inside and i not in r.negated]
    competing: list[str] = []
    for other, (s, e) in r.found[1:]:
        if other.kind == "wrong" and not inside & set(range(s, e)):
            competing.append(other.text)
    for i in extras:
        if any(contrasting(r.seq[i], core) for core in form.core):
            competing.append(r.content[i].raw or r.seq[i])
    if form.kind == "correct":
        context_from = _context_from(r.seq, span[1])
        # "gallstones causing cholecystitis": what stands before "causing" is the cause.
        cause_until = max((i for i in range(span[0]) if r.seq[i] in CAUSE_BEFORE), default=-1)
        for term in r.terms:
            found = find_phrase(r.seq, term)
            if (
                found is None
                or set(range(*found)) & (inside | r.negated)
                or found[0] >= context_from
                or found[1] <= cause_until
            ):
                continue
            if all(w in c.consistent for w in term):
                continue
            competing.append(" ".join(r.content[k].raw for k in range(*found) if r.content[k].raw))
    return competing


def _check_competing_and_extras(
    cand: Candidate, r: Reading, span: tuple[int, int], c: Compiled
) -> None:
    assert cand.form is not None
    form = cand.form
    competing = _competing(r, form, span, c)
    if competing:
        names = ", ".join(f"'{n}'" for n in dict.fromkeys(competing))
        cand.why.append(f"competing diagnosis: {names}")
        if form.kind == "correct":
            cand.outcome = "partial"
            cand.feedback = (
                f"Part of your answer is right, but you also named {names}. "
                "Which one is it? Commit to a single diagnosis."
            )
        else:
            cand.outcome, cand.feedback = "wrong", WRONG_FEEDBACK
        return
    inside = set(range(*span))
    # Negated words are what the learner ruled out: never competing detail.
    extras = [i for i in range(len(r.seq)) if i not in inside and i not in r.negated]
    if form.kind == "partial":
        unknown = [r.content[i].raw or r.seq[i] for i in extras if r.seq[i] not in c.harmless]
        if unknown:
            cand.outcome, cand.feedback = "wrong", WRONG_FEEDBACK
            cand.why.append("unrecognised words beside a partial answer: " + ", ".join(unknown))
    elif extras:
        cand.why.append(
            "extra detail: " + " ".join(r.content[i].raw for i in extras if r.content[i].raw)
        )


def _rank(
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
