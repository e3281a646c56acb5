"""Combining the judged candidates of an answer into one verdict."""

from __future__ import annotations

import re

from tutorbot.grading.forms import Compiled, canonicalise
from tutorbot.grading.matching import Candidate
from tutorbot.grading.normalise import words
from tutorbot.grading.sites import another_place
from tutorbot.grading.verdict import Verdict
from tutorbot.grading.wordlists import CORRECT_FEEDBACK, EMPTY_FEEDBACK, WRONG_FEEDBACK


def empty_verdict(answer: str, why: str, empty: bool = True) -> Verdict:
    return Verdict(answer, "wrong", 0.0, None, EMPTY_FEEDBACK, (why,), empty)


def _as_typed(text: str, answer: str) -> str:
    """``text`` (folded to lower case on the way) as the learner typed it, for feedback."""
    found = re.search(re.escape(text), answer, re.IGNORECASE)
    return found.group() if found else text


def combine(
    answer: str,
    judged: list[Candidate],
    slips: list[tuple[str, str, int]],
    explicit: bool,
    why: list[str],
    c: Compiled,
) -> Verdict:
    negated = [j for j in judged if j.negated]
    live = [j for j in judged if not j.negated]
    candidates = [j for j in live if j.diagnosis_like]
    if not candidates:
        if negated or any(w.startswith("negated") for w in why):
            said = _as_typed(negated[0].text, answer) if negated else "something"
            return Verdict(
                answer, "wrong", 0.0, None,
                f"You ruled out {said}, but did not say what it is. What is your diagnosis?",
                (*why, "no diagnosis left after negation"),
            )  # fmt: skip
        if not live:
            return empty_verdict(answer, "empty: only hedges or filler")
        return Verdict(answer, "wrong", 0.0, None, WRONG_FEEDBACK, (*why, "no known form matched"))
    correct = [j for j in candidates if j.outcome == "correct"]
    if correct:
        for j in candidates:
            # A partial form beside the right answer is detail ("EMH, thalassaemia").
            # So is, after a comma or in brackets, a name that only repeats what
            # the case's right or partial forms say: "Pancoast tumour (squamous
            # cell carcinoma)" with "lung cancer" partial. Not when offered as
            # an alternative ("or", "vs", "/", "DDx:").
            authored_partial = j.form is not None and j.form.kind == "partial"
            repeated = j.form is None and j.consistent and not j.alternative and not explicit
            # A finding or sign of the case beside it: "gallstone ileus - Rigler triad".
            credited = j.form is None and j.outcome == "partial" and not j.alternative
            if (j.outcome == "partial" and authored_partial) or repeated or credited:
                j.detail = True
    others = [j for j in candidates if j.outcome != "correct" and not j.detail]
    if explicit:
        # "DDx AVM, cavernoma, DVA": every name offered is a candidate, known or not.
        others += [j for j in live if not j.diagnosis_like and j.text.strip()]
    if len(candidates) > 1 or explicit:
        why.append(
            f"differential of {len(candidates)} candidate{'s' if len(candidates) > 1 else ''}"
        )
    first = correct[0] if correct else None
    if first is not None and first.form is not None:
        why.extend(first.why)
        if others:
            offered = [j for j in live if not j.detail and (j.diagnosis_like or explicit)]
            listed = ", ".join(_as_typed(j.text, answer) for j in offered)
            return Verdict(
                answer, "partial", 0.5, first.form.text,
                f"You listed several possibilities ({listed}). One of them is right — "
                "commit to a single diagnosis: which is it?",
                (*why, "not committed: right answer among others"),
            )  # fmt: skip
        beside = _another_place_beside(correct, live, c)
        if beside is not None:
            return Verdict(
                answer, "partial", 0.5, first.form.text, beside[0], (*why, beside[1])
            )  # fmt: skip
        note = None
        feedback = CORRECT_FEEDBACK
        score = 1.0
        own = first.form.own
        relevant = [s for s in slips if _canon_words(s[1], c) & own]
        if relevant:
            note = first.form.text
            feedback = f"Correct — note the spelling: {note}."
            score = 0.9
        return Verdict(answer, "correct", score, first.form.text, feedback, tuple(why), False, note)
    partial = [j for j in candidates if j.outcome == "partial"]
    wrong = [j for j in candidates if j.outcome != "partial"]
    if partial and not wrong:
        p = partial[0]
        why.extend(p.why)
        matched = p.form.text if p.form else None
        return Verdict(answer, "partial", 0.5, matched, p.feedback, tuple(why))
    # Wrong: prefer an authored misconception's own feedback.
    authored = next((j for j in candidates if j.form is not None and j.outcome == "wrong"), None)
    pick = authored or candidates[0]
    why.extend(pick.why)
    if pick.form is not None and pick.outcome == "wrong":
        return Verdict(answer, "wrong", 0.0, pick.form.text, pick.feedback, tuple(why))
    if partial:
        why.append("a partial answer among wrong ones")
    return Verdict(answer, "wrong", 0.0, None, WRONG_FEEDBACK, (*why, "no known form matched"))


def _canon_words(word: str, c: Compiled) -> frozenset[str]:
    hit = c.canon_words.get(word)
    if hit is None:
        hit = c.canon_words[word] = frozenset(canonicalise((word,), c.lexicon)[0])
    return hit


def _another_place_beside(
    correct: list[Candidate], live: list[Candidate], c: Compiled
) -> tuple[str, str] | None:
    """A detail beside the right answer ("gallstone ileus, stone in the jejunum")
    that puts the lesion where the findings do not: its feedback and why."""
    for j in live:
        if j in correct:
            continue
        seq = words(j.text)
        found = another_place(seq, (), (0, 0), c)
        if found is not None:
            kind, k = found
            return (
                f"Nearly — check the {kind}: you wrote '{seq[k]}'.",
                f"'{seq[k]}' contradicts the {kind} the case gives",
            )
    return None
