"""Partial credit and the side of the lesion, read from the case's own text.

Without any authoring, an answer that names nothing the case foresaw is still
partial when it names

- one of the case's positive findings or signs (its findings and history:
  "whirlpool sign", "gallstones"), or what the diagnosis line adds after
  "with" ("right heart strain"): "That is a finding; what is the diagnosis?";
- the broader category of the diagnosis, in its words ("distal tibial
  fracture" for a Salter-Harris II fracture of the distal tibia, "splenic
  injury" for a splenic laceration, "stroke" for a cerebral infarct).

A finding the case negates ("No haemorrhage") never counts, nor do words the
teaching points name (the differential lives there). When the diagnosis line
gives no side, the side attached to the lesion in the findings and history is
the case's side ("large left pneumothorax", not "shift to the right").
"""

from __future__ import annotations

from itertools import pairwise

from tutorbot.cases.model import CaseText
from tutorbot.grading.forms import Compiled, Finding, Form, Word, canonicalise_aligned
from tutorbot.grading.lexicon import Lexicon
from tutorbot.grading.negation import mark_negations
from tutorbot.grading.normalise import SEPARATOR, class_token, shared_prefix, tokens
from tutorbot.grading.wordlists import BROADER, DESCRIPTIVE, GENERIC, PROCESS_HEADS, STOPWORDS

# Every head a broader term covers.
BROADER_OF = frozenset(h for heads in BROADER.values() for h in heads)

FINDING_FEEDBACK = "That is a finding. What is the diagnosis?"
CATEGORY_FEEDBACK = (
    "Right direction, but that is the category. Be more specific: what exactly is it?"
)
# Words an answer may add to a finding as the case words it: "positive
# Murphy sign", "sign of ...".
_FINDING_FILLER = frozenset(
    {"positive", "sign", "present", "seen", "noted", "visible", "finding", "in", "within"}
)
SIDES = ("left", "right")
# Words that make a name a sign (a finding), not a diagnosis.
SIGN_WORDS = frozenset({"sign", "triad", "tetrad", "pentad"})
# A side after these words is where something moved to, not where the lesion is.
_TOWARDS = frozenset({"to", "towards", "toward", "away", "shift", "shifted", "deviation"})


def _read(text: str, lexicon: Lexicon) -> list[Word]:
    toks = tokens(text)
    items: list[Word] = []
    run: list[str] = []
    for t in [*toks, None]:
        if t is not None and not t.sep:
            run.append(t.text)
            continue
        if run:
            pairs, _ = canonicalise_aligned(run, run, lexicon)
            items.extend(Word(w, raw) for w, raw in pairs)
            run = []
        if t is not None:
            items.append(Word(SEPARATOR, t.raw))
    mark_negations(items, [])
    return items


def findings_of(c: Compiled) -> tuple[Finding, ...]:
    """The case's findings and history lines, and its diagnosis line's tails (cached)."""
    if c.findings is None:
        context: CaseText = c.spec.context
        found: list[Finding] = []
        for line in (*context.findings, *context.history):
            items = [w for w in _read(line, c.lexicon) if w.text != SEPARATOR]
            found.append(
                Finding(
                    frozenset(w.text for w in items if not w.negated and w.text not in GENERIC),
                    frozenset(w.text for w in items if w.negated and w.text not in GENERIC),
                )
            )
        for form in c.forms:
            if form.kind == "correct" and form.tail:
                found.append(Finding(frozenset(form.tail), frozenset()))
        c.findings = tuple(found)
    return c.findings


# Endings that make another diagnosis of a stem ("epididymis"/"epididymitis").
_DISEASE_ENDINGS = ("itis", "osis", "oma", "emia", "pathy", "iasis", "ectasis")


def _alike(a: str, b: str) -> bool:
    """The same word, or the same stem ("ventricle"/"ventricular", "dilated"/"dilatation")."""
    if a == b:
        return True
    if "_" in a or "_" in b or any(a.endswith(e) != b.endswith(e) for e in _DISEASE_ENDINGS):
        # (Class steps match exactly: "type_b" is no "type_a".)
        return False
    n = shared_prefix(a, b)
    if n < 5:
        return False
    # An inflection, not another word: "meningeal" is no "meningioma",
    # "diverticulosis" no "diverticulitis".
    tails = sorted((len(a) - n, len(b) - n))
    return tails[0] <= 2 and tails[1] <= 6


def _within(word: str, said: frozenset[str]) -> bool:
    return word in said or any(_alike(word, w) for w in said)


def credit(seq: list[str], negated: set[int], c: Compiled) -> tuple[str, str] | None:
    """Partial credit for words that match no form: (feedback, why) or None."""
    words = [w for w in seq if w not in GENERIC]
    if not words:
        return None
    positive = [w for i, w in enumerate(seq) if i not in negated and w not in GENERIC]
    ruled_out = [w for i, w in enumerate(seq) if i in negated and w not in GENERIC]
    named = _category(positive, c) if not ruled_out else None
    if named is not None:
        return CATEGORY_FEEDBACK, f"the category of the diagnosis: '{named}'"
    substantive = [
        w
        for w in positive
        if w not in _FINDING_FILLER and w not in c.lexicon.modifiers and w not in DESCRIPTIVE
    ]
    if not substantive and not ruled_out:
        return None
    for finding in findings_of(c):
        if all(_within(w, finding.negated) for w in ruled_out) and all(
            w in _FINDING_FILLER or _within(w, finding.positive) for w in positive
        ):
            return FINDING_FEEDBACK, "names a finding of the case"
    if not ruled_out and _names_a_sign(positive, c):
        return FINDING_FEEDBACK, "names a sign the teaching points give"
    return None


def _names_a_sign(positive: list[str], c: Compiled) -> bool:
    """A named sign or triad of the teaching points, in their words ("Hakim triad",
    "Rigler's triad", "1-2-3 sign"): signs are findings, wherever the case names them."""
    if not any(w in SIGN_WORDS for w in positive) or len(positive) < 2:
        return False
    for line in c.spec.context.teaching_points:
        said = [w.text for w in _read(line, c.lexicon) if w.text not in GENERIC and not w.negated]
        n = len(positive)
        if any(said[i : i + n] == positive for i in range(len(said) - n + 1)):
            return True
    return False


def _category(positive: list[str], c: Compiled) -> str | None:
    """The broader term or the unspecific words of a right form the answer names."""
    # With a core concept of two or more words, its head noun alone is its
    # category ("hernia" for a diaphragmatic hernia).
    concept_heads = {
        f.core[-1] for f in c.forms if f.kind == "correct" and len(f.core) > 1 and c.spec.core
    }
    if not any(w in PROCESS_HEADS or w in BROADER or w in concept_heads for w in positive):
        return None  # (most wrong answers: no process, no broader term)
    for form in c.forms:
        if form.kind != "correct":
            continue
        heads = [
            w
            for w in form.core
            if w in PROCESS_HEADS or w in BROADER_OF or (w == form.core[-1] and w in concept_heads)
        ]
        if not heads:
            # ("sarcoma" is no category of an Ewing sarcoma: a process is.)
            continue
        own = frozenset((*form.core, *form.quals, *form.tail))
        broader = [w for w in positive if any(h in BROADER.get(w, ()) for h in heads)]
        rest = [w for w in positive if w not in broader]
        # Its other words are the form's own, or harmless: never another
        # side or site ("anterior dislocation" for a posterior one).
        if not all(
            _within(w, own)
            or (w in c.lexicon.modifiers and w not in c.opposite)
            or (c.spec.core and w not in c.opposite and in_findings(w, c))
            for w in rest
        ):
            continue
        if broader:
            return broader[0]
        if any(h in rest for h in heads) and _less_than(rest, form):
            return " ".join(rest)
    return None


def in_findings(word: str, c: Compiled) -> bool:
    """A word the case's findings or history say positively ("elbow" of a swollen elbow)."""
    return any(_within(word, f.positive) for f in findings_of(c))


def _less_than(rest: list[str], form: Form) -> bool:
    # Fewer of the form's core words than the form has: "distal tibial
    # fracture" lacks "Salter-Harris".
    return not form.core_set <= set(rest)


def variants_named(c: Compiled) -> dict[str, frozenset[str]]:
    """Head noun -> the words the case text puts before it: the kinds of it the
    case names ("emphysematous cholecystitis" in a teaching point). Cached."""
    if c.variants is None:
        heads = {w for f in c.forms if f.kind == "correct" for w in f.core}
        found: dict[str, set[str]] = {}
        context = c.spec.context
        for line in (*context.findings, *context.history, *context.teaching_points):
            items = _read(line, c.lexicon)
            for before, head in pairwise(items):
                if head.text in heads and before.text not in GENERIC | {SEPARATOR}:
                    found.setdefault(head.text, set()).add(before.text)
        c.variants = {h: frozenset(ws) for h, ws in found.items()}
    return c.variants


def lesion_side(context: CaseText, forms: tuple[Form, ...], lexicon: Lexicon) -> str | None:
    """The side written with the lesion in the findings and history, if one and only one."""
    lesion = {w for f in forms if f.kind == "correct" for w in (*f.core, *f.quals)}
    lesion -= set(SIDES) | GENERIC
    votes: set[str] = set()
    for line in (*context.findings, *context.history):
        items = _read(line, lexicon)
        for i, w in enumerate(items):
            if w.text not in SIDES or w.negated:
                continue
            before = {x.text for x in items[max(0, i - 2) : i]}
            if before & _TOWARDS:
                continue
            # The next four words, "of" and "the" aside: "the left posterolateral
            # wall of the aneurysm" is a side of the aneurysm.
            after: list[str] = []
            for x in items[i + 1 :]:
                if x.text == SEPARATOR or len(after) == 4:
                    break
                if x.text not in STOPWORDS:
                    after.append(x.text)
            if any(_within(x, frozenset(lesion)) for x in after):
                votes.add(w.text)
    return votes.pop() if len(votes) == 1 else None


def graded_clauses(c: Compiled) -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    """The teaching points' clauses that name a class step ("active bleeding ... makes at
    least grade IV"), as (words, class steps). Cached."""
    if c.clauses is None:
        found: list[tuple[frozenset[str], frozenset[str]]] = []
        for line in c.spec.context.teaching_points:
            clause: list[str] = []
            for w in [*_read(line, c.lexicon), Word(SEPARATOR, "")]:
                if w.text != SEPARATOR:
                    clause.append(w.text)
                    continue
                steps = frozenset(x for x in clause if class_token(x) is not None)
                if steps:
                    found.append((frozenset(clause) - steps, steps))
                clause = []
        c.clauses = tuple(found)
    return c.clauses
