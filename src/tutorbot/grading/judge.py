"""Judging one candidate: which form it matches, and whether its other words change that."""

from __future__ import annotations

from tutorbot.grading.forms import Compiled, Form, Word
from tutorbot.grading.fromcase import credit
from tutorbot.grading.matching import (
    Candidate,
    Reading,
    contains,
    context_start,
    find_phrase,
    kind_name,
    rank,
    read,
)
from tutorbot.grading.normalise import contrasting
from tutorbot.grading.qualifiers import check_qualifiers
from tutorbot.grading.wordlists import CAUSE_BEFORE, RESULT_OF, WRONG_FEEDBACK


def judge(segment: list[Word], c: Compiled) -> Candidate:
    """Judge one candidate: the form it names (longest first) and what its other words change."""
    r = read(segment, c)
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
    if check_qualifiers(cand, r, span, c) or form.kind == "wrong":
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
        found.sort(key=lambda hit: rank(hit, r.seq, r.present, c))
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
        context_from = context_start(r.seq, span[1])
        # "gallstones causing cholecystitis": what stands before "causing" is the cause.
        cause_until = max((i for i in range(span[0]) if r.seq[i] in CAUSE_BEFORE), default=-1)
        # "SBO due to gallstone ileus": what stands before "due to" is the consequence.
        cause_until = max(
            cause_until, max((i for i in range(span[0]) if r.seq[i] in RESULT_OF), default=-1)
        )
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
