"""The grader: a free-text diagnosis against a case's :class:`DiagnosisSpec`.

The steps, in order (docs/grading.md explains them to instructors), each in
its own module:

1. fold and normalise the text (case, accents, spelling, plurals, prefixes):
   :mod:`.normalise`;
2. correct typos in words the grader does not know, only towards a single
   clearly closest known word, never across a meaning-changing prefix, and
   read ambiguous abbreviations in context: :mod:`.typos`;
3. rewrite lexicon synonyms and abbreviations to their canonical form:
   :mod:`.forms` (the case's forms go through the same rewriting);
4. mark negated words (NegEx-style triggers with a scope), drop hedges:
   :mod:`.negation`;
5. split the answer into candidates (a differential) at "or", "vs", commas
   ...: :mod:`.candidates`;
6. match each candidate against the case's accepted, partial and wrong forms
   and check qualifiers and competing diagnoses (:mod:`.judge`), then
   combine the candidates into one verdict (:mod:`.combine`).

``grade`` is pure and deterministic; compiled specs are cached.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from tutorbot.cases.model import DiagnosisSpec
from tutorbot.grading.candidates import candidates
from tutorbot.grading.combine import combine, empty_verdict
from tutorbot.grading.forms import Compiled, Word, build, canonicalise, canonicalise_aligned
from tutorbot.grading.fromcase import SIDES, lesion_side
from tutorbot.grading.lexicon import Lexicon, shipped_lexicon
from tutorbot.grading.negation import drop_hedges, mark_negations
from tutorbot.grading.nonanswer import NON_ANSWER_FEEDBACK, is_non_answer
from tutorbot.grading.normalise import MAX_CHARS, SEPARATOR, Token, class_token, tokens
from tutorbot.grading.typos import read_in_context, typo
from tutorbot.grading.verdict import Verdict

__all__ = ["canonicalise", "compile_spec", "compiled", "grade", "grade_compiled", "qualifiers_of"]

# Answers memoised per compiled spec beyond its own accepted forms.
MEMO_SIZE = 64


def compile_spec(spec: DiagnosisSpec, lexicon: Lexicon) -> Compiled:
    """Compile a spec (cached: see :func:`compiled`)."""
    c = build(spec, lexicon)
    if not any(q in SIDES for q in c.case_quals):
        # No side in the diagnosis line: the side of the lesion in the findings.
        side = lesion_side(spec.context, c.forms, lexicon)
        if side is not None:
            c.case_quals = (*c.case_quals, side)
    # The fast path: an answer typed exactly as an accepted form is a look-up.
    for text in dict.fromkeys((spec.answer, *spec.accepted)):
        grade_compiled(text, c)
    c.memo_limit = len(c.memo) + MEMO_SIZE
    return c


@lru_cache(maxsize=4096)
def _compiled(spec: DiagnosisSpec, lexicon: Lexicon) -> Compiled:
    return compile_spec(spec, lexicon)


# (id(spec), id(lexicon)) -> compiled, for the same spec object graded again:
# skips hashing the whole spec. The entry keeps the spec alive, so its id
# cannot be reused while it is cached.
_BY_ID: dict[tuple[int, int], Compiled] = {}


def compiled(spec: DiagnosisSpec, lexicon: Lexicon) -> Compiled:
    """The compiled spec, cached by the (frozen) spec and the lexicon's identity."""
    hit = _BY_ID.get((id(spec), id(lexicon)))
    if hit is not None and hit.spec is spec and hit.lexicon is lexicon:
        return hit
    c = _compiled(spec, lexicon)
    if len(_BY_ID) >= 4096:
        _BY_ID.clear()
    _BY_ID[(id(spec), id(lexicon))] = c
    return c


def grade_compiled(answer: str, c: Compiled) -> Verdict:
    """Grade one answer against a compiled spec (see the module docstring).

    Verdicts are memoised per compiled spec by the answer's exact text: an
    answer typed as an accepted form is a dict look-up.
    """
    text = answer if isinstance(answer, str) else str(answer)
    if len(text) > MAX_CHARS:
        truncated = [f"truncated to the first {MAX_CHARS} characters"]
        return _grade_tokens(answer, tokens(text), c, truncated)
    # Keyed on the exact text: feedback quotes the answer as typed, and separators
    # ("/" or ",") change the verdict, so no two different answers may share one.
    hit = c.memo.get(text)
    if hit is None:
        hit = _grade_tokens(answer, tokens(text), c, [])
        if len(c.memo) < c.memo_limit or not c.memo_limit:
            c.memo[text] = hit
    elif hit.answer is not answer:
        hit = replace(hit, answer=answer)
    return hit


def _grade_tokens(answer: str, toks: list[Token], c: Compiled, why: list[str]) -> Verdict:
    if not any(not t.sep for t in toks):
        return empty_verdict(answer, "empty: nothing to grade")
    if not any(ch.isascii() and ch.isalnum() for t in toks for ch in t.text):
        return empty_verdict(answer, "no Latin letters or digits", empty=False)
    if is_non_answer(toks):
        return Verdict(
            answer, "wrong", 0.0, None, NON_ANSWER_FEEDBACK, ("non-answer: nothing to grade",),
            empty=True, non_answer=True,
        )  # fmt: skip
    if any(t.respelt for t in toks):
        why.append("spelling: British→American")
    # Step 2: typos, word by word (separators kept).
    corrected, slips = _correct_typos(toks, c, why)
    # Step 3: the lexicon, within each run of words.
    items = _canonical_words(corrected, [t.raw for t in toks], c, why)
    # Step 4: words read in context, negation, then hedges.
    items = read_in_context(items, c, why)
    mark_negations(items, why)
    drop_hedges(items, why)
    # Step 5 and 6: candidates, each judged; then one verdict.
    judged, explicit = candidates(items, c, why)
    return combine(answer, judged, slips, explicit, why, c)


def _correct_typos(
    toks: list[Token], c: Compiled, why: list[str]
) -> tuple[list[str], list[tuple[str, str, int]]]:
    """Each word, corrected when it is a clear slip of a known word; the slips made."""
    corrected: list[str] = []
    slips: list[tuple[str, str, int]] = []
    for t in toks:
        if t.sep:
            corrected.append(SEPARATOR)
            continue
        word = t.text
        if 3 <= len(word) <= 5 and word[-1] == "s" and word not in c.vocab and word[:-1] in c.vocab:
            # Plural abbreviations the spelling rules leave alone: "PEs", "SAHs".
            word = word[:-1]
        fix = typo(word, c)
        if fix is None:
            corrected.append(word)
        else:
            corrected.append(fix[0])
            slips.append((t.raw, fix[0], fix[1]))
    for raw, fixed, edits in slips:
        why.append(f"typo: '{raw}'≈'{fixed}' ({edits} edit{'s' if edits > 1 else ''})")
    return corrected, slips


def _canonical_words(
    corrected: list[str], raws: list[str], c: Compiled, why: list[str]
) -> list[Word]:
    """The lexicon's canonical words, rewritten within each run between separators."""
    items: list[Word] = []
    run: list[int] = []
    for k in range(len(corrected) + 1):
        if k < len(corrected) and corrected[k] != SEPARATOR:
            run.append(k)
            continue
        if run:
            pairs, notes = canonicalise_aligned(
                [corrected[r] for r in run], [raws[r] for r in run], c.lexicon
            )
            why.extend(notes)
            items.extend(Word(w, raw) for w, raw in pairs)
            run = []
        if k < len(corrected):
            items.append(Word(SEPARATOR, raws[k]))
    return items


def qualifiers_of(
    spec: DiagnosisSpec, lexicon: Lexicon | None = None
) -> dict[str, tuple[str, ...]]:
    """The qualifiers of a case's diagnosis, by kind, as the grader reads them:
    those of its answer and accepted forms ("side": ("left",), "type or grade":
    ("type_3",), "organ": ("spleen",) ...), with the side of the lesion taken
    from the findings when the diagnosis line gives none. For authoring tools
    that show or write a case's qualifiers; words are in the grader's spelling."""
    c = compiled(spec, lexicon or shipped_lexicon())
    out: dict[str, list[str]] = {}
    for qual in c.case_quals:
        kind = "type or grade" if class_token(qual) else c.kinds.get(qual, "detail")
        out.setdefault(kind, []).append(qual)
    return {kind: tuple(words) for kind, words in out.items()}


def grade(answer: str, spec: DiagnosisSpec, lexicon: Lexicon | None = None) -> Verdict:
    """Grade a free-text diagnosis against a case's spec.

    ``lexicon`` defaults to the shipped lexicon (see :func:`load_lexicon` for
    a cases folder's own). Never raises on any text; pure and deterministic.
    """
    return grade_compiled(answer, compiled(spec, lexicon or shipped_lexicon()))
