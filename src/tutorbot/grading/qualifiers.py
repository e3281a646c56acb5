"""Qualifiers of a matched form: contradicted, missing when required or
essential, another kind the case names, another site before a bare process."""

from __future__ import annotations

from collections.abc import Callable

from tutorbot.grading.forms import SITE_KINDS, Compiled, vertebrae
from tutorbot.grading.fromcase import findings_of, graded_clauses, in_findings, variants_named
from tutorbot.grading.matching import Candidate, Reading, context_start, kind_name, words_outside
from tutorbot.grading.normalise import (
    ORDINAL_WORDS,
    bare_step,
    class_token,
    contrasting,
    shared_prefix,
    step_parts,
)
from tutorbot.grading.sites import contradicts_the_findings
from tutorbot.grading.wordlists import (
    BACKWARD_STOP,
    CONNECTORS,
    DEGREE,
    EVENTS,
    FORWARD_STOP,
    STOPWORDS,
    TAIL_CONNECTORS,
    WRONG_FEEDBACK,
)

# Kinds of qualifier that name a structure (not a direction such as "posterior",
# which may describe the lesion: "with posterior angulation").
NAMED_PLACES = frozenset({"organ", "bone", "tendon"})
# Words that may stand before a core concept without taking a qualifier's place.
HARMLESS_BEFORE = DEGREE | STOPWORDS | CONNECTORS
# Words that end the words beside a core concept that stand in the place of the
# diagnosis line's qualifiers: what follows "due to", "with", "but" ... is context.
CLAUSE_BREAKS = CONNECTORS | TAIL_CONNECTORS | BACKWARD_STOP | FORWARD_STOP
# ... except "in", which opens a site phrase as "of" does ("in the fallopian tube").
SITE_CONNECTORS = frozenset({"in"})
# Nouns that name no particular thing ("OCD lesion").
GENERIC_NOUNS = frozenset({"lesion", "abnormality", "process", "condition", "pathology"})


def contrary_of(qual: str, c: Compiled) -> Callable[[str], bool]:
    """Whether a word contradicts ``qual``: its opposite ("right" for "left"), or
    another step of the same classifier ("type_3" for "type_2")."""
    step = class_token(qual)
    if step is not None:
        # Another step of the same scale: letters against letters (Stanford A/B),
        # numbers against numbers (grade II/III). "Type A" and "type I" are two
        # scales of one thing (Stanford, DeBakey), not a contradiction.
        return lambda word: _other_step(step, word)
    contrary = c.opposite.get(qual, frozenset())
    return contrary.__contains__


def _other_step(step: tuple[str, str], word: str) -> bool:
    """Whether ``word`` names another step of the scale of ``step``: "stage_3" or
    "iiib" for stage IIB, "stage_2a" for IIB; not "stage_2" (less precise, not
    contrary)."""
    other = class_token(word)
    if other is None:
        bare = bare_step(word)
        other = (step[0], bare) if bare is not None else None
    if other is None or other[0] != step[0] or other[1] == step[1]:
        return False
    (number, letter), (other_number, other_letter) = step_parts(step[1]), step_parts(other[1])
    if bool(number) != bool(other_number):
        return False
    if number and number != other_number:
        return True
    return bool(letter and other_letter and letter != other_letter)


def check_qualifiers(cand: Candidate, r: Reading, span: tuple[int, int], c: Compiled) -> bool:
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
    outside = words_outside(r, form, span)
    context_from = context_start(seq, span[1])
    tail_from = next((i for i in range(span[1], len(seq)) if seq[i] in TAIL_CONNECTORS), len(seq))
    # A qualifier the answer negates is not given ("AAA with impending rupture").
    given = {w for i, w in enumerate(seq) if i not in r.negated} if r.negated else r.present
    for qual in dict.fromkeys((*form.quals, *c.required, *c.case_quals)):
        contradicts = contrary_of(qual, c)
        if qual in given:
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
    if form.kind == "correct" and c.line_quals and _contradicts_the_line(cand, r, span, c):
        return True
    if form.kind == "correct" and _tied_to_another_step(cand, r, span, c):
        return True
    if form.kind == "correct" and form.essential and _names_another_place(r, span, c):
        # "carotid dissection" for a type A one, "urothelial carcinoma" for a renal one.
        cand.outcome, cand.feedback = "wrong", WRONG_FEEDBACK
        cand.why.append("a process named with another, unforeseen site")
        return True
    if form.kind == "correct" and contradicts_the_findings(cand, r, span, c):
        return True
    if form.essential and not r.present.intersection(form.essential):
        # "laceration" for a splenic laceration, "dissection" for a type A one.
        kind = _kind_of(form.essential[0], c)
        cand.outcome = "partial"
        cand.feedback = f"Nearly — be more specific: which {kind}?"
        cand.why.append(f"the {kind} is missing: '{' '.join(form.essential)}'")
        return True
    return False


def _contradicts_the_line(cand: Candidate, r: Reading, span: tuple[int, int], c: Compiled) -> bool:
    """A word that contradicts a qualifier of the diagnosis line around its core
    concept: another spinal level ("L4/5" for L5/S1), the same stem with another
    prefix ("suprarenal" for infrarenal), or another word in the place of one of
    no known kind ("degenerative spondylolisthesis" for an isthmic one, "cardiac
    sarcoidosis" for a pulmonary one). Words the case's findings or history use,
    and describing words (size, number), contradict nothing."""
    assert cand.form is not None
    seq, form = r.seq, cand.form
    tail_from = next((i for i in range(span[1], len(seq)) if seq[i] in TAIL_CONNECTORS), len(seq))
    typed = any(class_token(q) for q in c.line_quals)
    for i in words_outside(r, form, span):
        word = seq[i]
        if i >= tail_from or word in c.line_quals or word in form.core_set:
            continue
        if typed and word == "type" and i > 0 and seq[i - 1] not in c.line_quals:
            # "flexion type" names a type the line does not give.
            said = " ".join(x.raw for x in r.content[i - 1 : i + 1] if x.raw)
            return _partial(cand, "type", said)
        levels = vertebrae(word)
        if levels and c.levels and not levels <= c.levels:
            return _partial(cand, "level", r.content[i].raw or word)
        if word in ORDINAL_WORDS and not ORDINAL_WORDS.isdisjoint(c.line_quals):
            # "4th metatarsal" for a fifth one (the line's own ordinal was skipped above).
            return _partial(cand, "site", r.content[i].raw or word)
        if any(contrasting(word, q) for q in c.line_quals):
            return _partial(cand, "site", r.content[i].raw or word)
        if i >= span[1] and c.kinds.get(word) in NAMED_PLACES and _has_a_place(c):
            # "ectopic pregnancy in the ovary" for a tubal one.
            return _partial(cand, c.kinds[word], r.content[i].raw or word)
    # The words before the core, back to a connector ("due to", "but" ...), stand
    # in the place of the line's words before it ("iatrogenic intracranial
    # hypotension" for a spontaneous one); the words after it, up to a connector
    # other than "in" or a clause ("extending into ..."), in the place of its
    # site phrase ("of the submandibular gland").
    before = []
    for k in range(span[0] - 1, -1, -1):
        if seq[k] in CLAUSE_BREAKS:
            break
        before.append(k)
    after = []
    for k in range(span[1], len(seq)):
        if (seq[k] in CLAUSE_BREAKS and seq[k] not in SITE_CONNECTORS) or _a_clause(seq[k]):
            break
        after.append(k)
    for k in (*before, *after):
        if k in r.negated or span[0] <= k < span[1] or _fits_the_line(seq[k], c):
            continue
        if k >= span[1] and seq[k] in c.lexicon.modifiers:
            # (After the core, a describing word of the lexicon's, "hip" or "frontal",
            # is judged by the rules for places above.)
            continue
        return _partial(cand, "detail", r.content[k].raw or seq[k])
    return False


# Endings of a noun and of its adjective: "tube" and "tubal", "cortex" and "cortical".
STEM_TAILS = frozenset({"", "e", "a", "y", "al", "ar", "ic", "ex", "eal", "ial", "ous", "ical"})


def _same_stem(word: str, qual: str) -> bool:
    """A truncation of a line's word ("spont") or its noun or adjective ("tube")."""
    if len(word) >= 4 and qual.startswith(word):
        return True
    n = shared_prefix(word, qual)
    return n >= 3 and word[n:] in STEM_TAILS and qual[n:] in STEM_TAILS


def _a_clause(word: str) -> bool:
    # A participle opens a clause that describes the lesion ("extending into ...").
    return len(word) > 5 and word.endswith("ing")


def _fits_the_line(word: str, c: Compiled) -> bool:
    """Whether a word beside the core leaves the line's qualifiers standing: one of
    them or its truncation ("spont"), a side, a harmless, describing or generic
    word, a class or level, a number, or a word (or its inflection) the case's
    findings or history say."""
    return (
        word in c.line_quals
        or any(_same_stem(word, q) for q in c.line_quals)
        or (word in c.opposite and c.kinds.get(word) not in SITE_KINDS)
        or word in HARMLESS_BEFORE
        or word in GENERIC_NOUNS
        or word.isdigit()
        or class_token(word) is not None
        or bare_step(word) is not None
        or bool(vertebrae(word))
        or in_findings(word, c)
    )


def _tied_to_another_step(cand: Candidate, r: Reading, span: tuple[int, int], c: Compiled) -> bool:
    """A detail the teaching points tie to another step of the case's scale:
    "splenic laceration with active bleeding" for a grade III laceration, when a
    teaching point says "active bleeding ... makes at least grade IV"."""
    steps = [q for q in c.case_quals if class_token(q) is not None]
    if not steps:
        return False
    assert cand.form is not None
    extra = {
        r.seq[i]
        for i in words_outside(r, cand.form, span)
        if r.seq[i] not in c.harmless
        and r.seq[i] not in c.trigger_words
        and class_token(r.seq[i]) is None
        and not any(r.seq[i] in f.positive for f in findings_of(c))
    }
    if not extra:
        return False
    for said, named in graded_clauses(c):
        others = [s for s in named if s not in steps and any(contrary_of(q, c)(s) for q in steps)]
        if others and extra <= said and not named.intersection(steps):
            kind = "type or grade"
            return _partial(cand, kind, " ".join(sorted(extra)))
    return False


def _has_a_place(c: Compiled) -> bool:
    """Whether the diagnosis line names where the lesion is (a site word or a word of no
    known kind beside the core, such as "tubal" or "pulmonary")."""
    return bool(c.slot) or any(c.kinds.get(q) in SITE_KINDS for q in c.line_quals)


def _partial(cand: Candidate, kind: str, said: str) -> bool:
    cand.outcome = "partial"
    cand.feedback = f"Nearly — check the {kind}: you wrote '{said}'."
    cand.why.append(f"qualifier: '{said}' contradicts the diagnosis line's {kind}")
    return True


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
    word, heads = r.seq[k], r.seq[span[0] : span[1]]
    named = variants_named(c)
    head = next((h for h in heads if word in named.get(h, frozenset())), None)
    if head is None or word in c.lexicon.modifiers:
        return None
    if any(word in f.core_set or word in f.quals for f in c.forms if f.kind == "correct"):
        return None
    return f"{r.content[k].raw or word} {head}"


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
        if len(options) > 1:
            cand.feedback = "Nearly — be more specific: " + " or ".join(options) + "?"
        elif qual in EVENTS:
            # (A rupture, a perforation: naming it would give the answer away.)
            cand.feedback = "Nearly — but what has happened to it? Look again at the findings."
        else:
            cand.feedback = f"Nearly — be more specific: which {qual}?"
