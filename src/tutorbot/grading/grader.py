"""The grader: a free-text diagnosis against a case's :class:`DiagnosisSpec`.

The steps, in order (docs/grading.md explains them to instructors):

1. fold and normalise the text (case, accents, spelling, plurals, prefixes);
2. correct typos in words the grader does not know, only towards a single
   clearly closest known word, never across a meaning-changing prefix;
3. rewrite lexicon synonyms and abbreviations to their canonical form;
4. mark negated words (NegEx-style triggers with a scope), drop hedges;
5. split the answer into candidates (a differential) at "or", "vs", commas ...;
6. match each candidate against the case's accepted, partial and wrong forms,
   check qualifiers and competing diagnoses, and combine the candidates.

``grade`` is pure and deterministic; compiled specs are cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from tutorbot.cases.model import DiagnosisSpec
from tutorbot.grading.lexicon import Lexicon, Phrase, by_length, shipped_lexicon
from tutorbot.grading.normalise import (
    MAX_CHARS,
    SEPARATOR,
    Token,
    contrasting,
    meaning_prefix,
    tokens,
    words,
)
from tutorbot.grading.verdict import Outcome, Verdict

EMPTY_FEEDBACK = "Please type a diagnosis."
CORRECT_FEEDBACK = "Correct."
WRONG_FEEDBACK = "Not quite — that is not the diagnosis here. Look again at the key findings."


def _phrases(*items: str) -> tuple[Phrase, ...]:
    # Trigger and hedge lists go through the same normalisation as answers.
    out = {words(item) for item in items}
    return tuple(sorted((p for p in out if p), key=len, reverse=True))


# NegEx-style triggers. Each negates the words after it up to a terminator;
# when nothing follows ("lymphoma unlikely") it negates the words before it.
NEGATIONS = _phrases(
    "not", "no", "without", "unlikely", "less likely", "not likely", "negative for", "negative",
    "no evidence of", "no sign of", "no signs of", "absence of", "absent", "exclude",
    "excluded", "excluding", "excludes", "ruled out", "is ruled out",
    "rather than", "instead of", "other than", "never", "neither", "nor", "free of",
    "not seen", "not present", "against", "isn't", "wasn't", "doesn't look like",
    "does not look like", "not consistent with", "not in keeping with", "not favoured",
)  # fmt: skip
# ("rules out" is left out: it reads as "rule out", which in a report means
# the diagnosis is being considered, a hedge.)
# Phrases that contain a trigger but negate nothing.
PSEUDO_NEGATIONS = _phrases(
    "no doubt", "without doubt", "not only", "not sure", "no change", "not certain",
    "no question", "not just",
)  # fmt: skip
# Words that end the scope of a negation going forward ...
FORWARD_STOP = frozenset(
    words("but however although though yet except apart aside which because instead so")
    + words("therefore more likely probably it this is favour favor think")
)
# ... and going backward.
BACKWARD_STOP = frozenset(words("but however although though yet which because so therefore"))

# Hedges and filler, removed before matching (recorded in "why").
HEDGES = _phrases(
    "i think it's", "i think it is", "i think", "i believe", "i guess", "i'd say", "i would say",
    "probably", "probable", "likely", "most likely", "more likely", "most probably", "possibly",
    "possible", "maybe", "perhaps", "presumably", "could be", "might be", "may be", "query",
    "consistent with", "suggestive of", "suggests", "suggesting", "in keeping with",
    "keeping with", "compatible with", "looks like", "look like", "looks to be", "appears to be",
    "appearance of", "suspect", "suspected", "suspicious for", "suspicious of", "suspicion of",
    "concerning for", "worrisome for", "favour", "favor", "favoured", "in favour of",
    "dx", "diagnosis", "the diagnosis is", "my diagnosis is", "final diagnosis", "impression",
    "answer", "my answer is", "definitely", "certainly", "clearly", "classic", "classical",
    "typical", "pretty sure", "sure", "not sure", "no doubt", "rule out", "represents",
    "representing", "i'm", "im", "it's", "guess", "think", "hmm", "um", "uh", "ok", "okay",
    "well", "so", "yes", "please", "not sure but", "seen", "see", "showing", "shows", "show",
    "evidence of", "findings of", "features of", "picture of", "case of",
)  # fmt: skip


def _index(phrases: tuple[Phrase, ...]) -> dict[str, tuple[Phrase, ...]]:
    # First word -> phrases starting with it (longest first), so scanning an
    # answer only tries the phrases that can start at each word.
    out: dict[str, list[Phrase]] = {}
    for phrase in phrases:
        out.setdefault(phrase[0], []).append(phrase)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in out.items()}


NEGATION_INDEX = _index(NEGATIONS)
PSEUDO_INDEX = _index(PSEUDO_NEGATIONS)
HEDGE_INDEX = _index(HEDGES)

# Words that split a differential into candidates (besides punctuation).
SPLITTERS = frozenset(words("or vs versus v either ddx differential differentials dd"))
# Words carrying no meaning for matching (both sides drop them).
STOPWORDS = frozenset(
    words("a an the of is are was were be been it this that these those its there here i")
    + words("we my our your his her their he she they has have had and also very quite")
    + words("just on at by as to under")
)
# Generic head nouns left out of matching: "Perthes disease" = "Perthes",
# "Legg-Calve-Perthes dz". (Unlike stopwords they still count as an answer:
# "no disease" rules something out.)
GENERIC = STOPWORDS | frozenset(words("disease"))
# Detail after these words describes cause or context, not a competing diagnosis.
CONNECTORS = frozenset(
    words("secondary due caused from with in complicating associated setting after following")
    + words("because given underlying background causing resulting leading producing")
)
EXPLICIT_DIFFERENTIAL = frozenset(words("ddx differential differentials dd"))
# Splitters that offer alternatives (a comma may only add detail).
ALTERNATIVES = frozenset(words("or vs versus v"))
# Words never corrected as typos: they carry grammar, not diagnoses.
TRIGGER_WORDS = (
    frozenset(w for p in (*NEGATIONS, *HEDGES, *PSEUDO_NEGATIONS) for w in p)
    | STOPWORDS
    | SPLITTERS
    | CONNECTORS
)


def allowed_edits(length: int) -> int:
    """Typos tolerated in a word of this length: none up to 4 letters, 1 up to 7, then 2."""
    if length <= 4:
        return 0
    if length <= 7:
        return 1
    return 2


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


@dataclass
class Word:
    """A word of the answer on its way through the steps."""

    text: str
    raw: str
    negated: bool = False
    dropped: bool = False


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


def _core(phrase: Phrase, opposite: dict[str, frozenset[str]]) -> tuple[Phrase, tuple[str, ...]]:
    # A generic noun that has an opposite ("disease" vs "syndrome") stays, as a qualifier.
    content = tuple(w for w in phrase if w not in GENERIC or w in opposite)
    quals = tuple(w for w in content if w in opposite)
    core = tuple(w for w in content if w not in opposite)
    return (core, quals) if core else (content, ())


def compile_spec(spec: DiagnosisSpec, lexicon: Lexicon) -> Compiled:
    """Compile a spec (cached: see :func:`compiled`)."""
    opposite = lexicon.opposite
    forms: list[Form] = []
    case_words: set[str] = set()
    consistent: set[str] = set()

    def add(kind: Outcome, text: str, feedback: str) -> None:
        written = words(text)
        phrase, _ = canonicalise(written, lexicon)
        case_words.update(written)
        case_words.update(phrase)
        core, quals = _core(phrase, opposite)
        if not core:
            return
        if kind != "wrong":
            consistent.update(core)
        own = frozenset((*core, *quals, *written))
        forms.append(Form(kind, text, feedback, core, "".join(core), quals, frozenset(core), own))

    for text in (spec.answer, *spec.accepted):
        add("correct", text, CORRECT_FEEDBACK)
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
        harmless=frozenset(lexicon.modifiers | consistent | STOPWORDS | CONNECTORS | set(opposite)),
        gap=frozenset(
            (lexicon.modifiers | set(opposite)) - {t[0] for t in lexicon.terms if len(t) == 1}
        ),
        detail_words=frozenset(
            (lexicon.modifiers | set(opposite)) - {t[0] for t in lexicon.terms if len(t) == 1}
        ),
        consistent=frozenset(consistent),
        required=tuple(required),
        case_quals=tuple(dict.fromkeys(q for f in forms if f.kind == "correct" for q in f.quals)),
        opposite=opposite,
        term_index=lexicon.term_index,
        trigger_words=TRIGGER_WORDS,
        case_vocab_by_length=by_length(sorted(case_words - lexicon.vocabulary)),
        key_index={w: tuple(ks) for w, ks in key_index.items()},
        lexicon_pools=lexicon.typo_pools,
        prefix_index={p: tuple(ks) for p, ks in prefix_index.items()},
        form_words=frozenset(w for f in forms for w in f.core),
    )
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


# Answers memoised per compiled spec beyond its own accepted forms.
MEMO_SIZE = 64


def _near(n: int, by_len: dict[int, list[str]], pools: dict[int, list[str]]) -> list[str]:
    # Only words within two letters of the length can be within two edits.
    pool = pools.get(n)
    if pool is None:
        pool = pools[n] = [w for size in range(n - 2, n + 3) for w in by_len.get(size, ())]
    return pool


def _typo(word: str, c: Compiled) -> tuple[str, int] | None:
    """The known word ``word`` is a slip of, with the number of edits, or None."""
    if word in c.typos:
        return c.typos[word]
    found: tuple[str, int] | None = None
    if len(word) >= 5 and word.isalpha() and word not in c.vocab and word not in c.trigger_words:
        # The shared lexicon list and the case's own words, merged: the best
        # two over both decide whether the closest word is unique.
        best = sorted(
            [
                *process.extract(
                    word,
                    _near(len(word), c.lexicon.vocabulary_by_length, c.lexicon_pools),
                    scorer=OSA.distance,
                    limit=2,
                    score_cutoff=2,
                ),
                *process.extract(
                    word,
                    _near(len(word), c.case_vocab_by_length, c.case_pools),
                    scorer=OSA.distance,
                    limit=2,
                    score_cutoff=2,
                ),
            ],
            key=lambda hit: (hit[1], hit[0]),
        )
        if best:
            target, edits = str(best[0][0]), int(best[0][1])
            unique = len(best) == 1 or int(best[1][1]) > edits
            if (
                unique
                and edits <= allowed_edits(len(target))
                and target[0] == word[0]
                and meaning_prefix(target) == meaning_prefix(word)
            ):
                found = (target, edits)
    c.typos[word] = found
    return found


def _context_options(word: str, c: Compiled) -> tuple[Phrase, ...]:
    """What ``word`` may stand for when the words around it complete a form."""
    hit = c.context.get(word)
    if hit is not None:
        return hit
    options: tuple[Phrase, ...] = ()
    if word not in c.form_words:
        senses = c.lexicon.meanings.get((word,))
        if senses:
            # An ambiguous abbreviation: "renal cell ca", "type A AD".
            options = tuple(senses)
        elif 3 <= len(word) <= 4 and word.isalpha() and word not in c.vocab:
            # A slip in a short word, never corrected alone: "renal cel carcinoma".
            options = tuple(
                (w,)
                for w in sorted(c.form_words)
                if len(w) >= 3 and w[0] == word[0] and w.isalpha() and OSA.distance(word, w) == 1
            )
        elif (
            len(word) >= 5
            and word.isalpha()
            and word not in c.vocab
            and word not in c.trigger_words
            and _typo(word, c) is None
        ):
            # A slip in a longer word that is not corrected alone because two
            # known words are as close ("appendigitis": appendagitis or
            # appendicitis?) or the known word is short ("wilsm": "Wilms" is
            # "wilm" once singular): read as the form word the words around
            # it complete ("epiploic appendigitis", "wilsm tumour").
            limit = allowed_edits(len(word))
            prefix = meaning_prefix(word)
            options = tuple(
                (w,)
                for w in sorted(c.form_words)
                if w[0] == word[0]
                and w.isalpha()
                and abs(len(w) - len(word)) <= limit
                and meaning_prefix(w) == prefix
                and OSA.distance(word, w, score_cutoff=limit) <= limit
            )
    c.context[word] = options
    return options


def _in_context(items: list[Word], c: Compiled, why: list[str]) -> list[Word]:
    """Ambiguous abbreviations and slips in short words, read in context.

    A word the grader cannot read alone is read as one of its meanings (or as
    the form word one letter away) when the words around it then spell out a
    whole form of the case, and at least one of those words was typed as such.
    """
    context = c.context
    todo = [
        i
        for i, w in enumerate(items)
        if context.get(w.text, None) != () and _context_options(w.text, c)
    ]
    if not todo:
        return items
    out = list(items)
    for i in reversed(todo):
        word = out[i].text
        options = _context_options(word, c)
        # The content words of the run (between separators) around i.
        start = i
        while start > 0 and out[start - 1].text != SEPARATOR:
            start -= 1
        end = i
        while end + 1 < len(out) and out[end + 1].text != SEPARATOR:
            end += 1
        run = [j for j in range(start, end + 1) if out[j].text not in GENERIC or j == i]
        pos = run.index(i)
        replacement = _fits(options, [out[j].text for j in run], pos, c)
        if replacement is not None:
            raw = out[i].raw
            out[i : i + 1] = [Word(w, raw if k == 0 else "") for k, w in enumerate(replacement)]
            why.append(f"read in context: '{raw}' = '{' '.join(replacement)}'")
    return out


def _fits(options: tuple[Phrase, ...], seq: list[str], pos: int, c: Compiled) -> Phrase | None:
    """The one option the words around ``pos`` complete a form with (None if none, or
    if two do: "sigmoid diverticulisis" beside "sigmoid diverticulitis" and
    "sigmoid diverticulosis" stays unread)."""
    fitting = [o for o in dict.fromkeys(options) if _fits_one(o, seq, pos, c)]
    return fitting[0] if len(fitting) == 1 else None


def _fits_one(option: Phrase, seq: list[str], pos: int, c: Compiled) -> bool:
    for form in c.forms:
        core, n = form.core, len(option)
        if len(core) <= n:
            continue
        for p in range(len(core) - n + 1):
            if core[p : p + n] != option:
                continue
            before, after = core[:p], core[p + n :]
            if (
                pos >= len(before)
                and tuple(seq[pos - len(before) : pos]) == before
                and tuple(seq[pos + 1 : pos + 1 + len(after)]) == after
            ):
                return True
    return False


def _starts(items: list[Word], i: int, phrase: Phrase) -> bool:
    n = len(phrase)
    return tuple(w.text for w in items[i : i + n]) == phrase and all(
        w.text != SEPARATOR for w in items[i : i + n]
    )


def _mark_negations(items: list[Word], why: list[str]) -> None:
    i = 0
    while i < len(items):
        first = items[i].text
        if first not in NEGATION_INDEX and first not in PSEUDO_INDEX:
            i += 1
            continue
        pseudo = next((p for p in PSEUDO_INDEX.get(first, ()) if _starts(items, i, p)), None)
        if pseudo:
            i += len(pseudo)
            continue
        trigger = next((p for p in NEGATION_INDEX.get(first, ()) if _starts(items, i, p)), None)
        if trigger is None:
            i += 1
            continue
        for w in items[i : i + len(trigger)]:
            w.dropped = True
        scope: list[Word] = []
        j = i + len(trigger)
        while j < len(items) and items[j].text != SEPARATOR and items[j].text not in FORWARD_STOP:
            scope.append(items[j])
            j += 1
        if not any(w.text not in STOPWORDS for w in scope):
            scope = []
            j = i - 1
            # "EDH: negative", "PE? No.", "PE - unlikely": a trigger standing
            # alone after a separator looks back past it.
            if j >= 0 and items[j].text == SEPARATOR:
                j -= 1
            while j >= 0 and items[j].text != SEPARATOR and items[j].text not in BACKWARD_STOP:
                scope.append(items[j])
                j -= 1
        if scope:
            for w in scope:
                w.negated = True
            why.append(f"negated by '{' '.join(trigger)}'")
        i += len(trigger)


def _drop_hedges(items: list[Word], why: list[str]) -> None:
    seen: list[str] = []
    i = 0
    while i < len(items):
        if items[i].text not in HEDGE_INDEX:
            i += 1
            continue
        hedge = next((p for p in HEDGE_INDEX[items[i].text] if _starts(items, i, p)), None)
        if hedge is None:
            i += 1
            continue
        for w in items[i : i + len(hedge)]:
            w.dropped = True
        seen.append(" ".join(hedge))
        i += len(hedge)
    if seen:
        why.append("hedge removed: " + ", ".join(f"'{h}'" for h in dict.fromkeys(seen)))


def _find(
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
PREFIX = 5
# Harmless words allowed between the words of a form.
MAX_GAP = 2


def _judge(segment: list[Word], c: Compiled) -> Candidate:
    content = [w for w in segment if w.text not in GENERIC or w.text in c.opposite]
    text = " ".join(w.raw for w in segment if w.raw)
    seq = [w.text for w in content]
    found: list[tuple[Form, tuple[int, int]]] = []
    present = set(seq)
    joined = "".join(seq)
    forms = c.forms
    for k in _form_candidates(present, c):
        form = forms[k]
        # Cheap filters first: all core words present, or the compact form inside.
        if not form.core_set <= present and form.compact not in joined:
            continue
        span = _find(seq, form, c.gap)
        if span is not None:
            found.append((form, span))
    terms = [t for w in dict.fromkeys(seq) for t in c.term_index.get(w, ())]
    diagnosis_like = bool(found) or any(_contains(seq, t) for t in terms)
    negated = {i for i, w in enumerate(content) if w.negated}
    live = (
        [(f, span) for f, span in found if not negated.intersection(range(*span))]
        if negated
        else found
    )
    if content and len(negated) == len(content):
        return Candidate(text, None, negated=True, diagnosis_like=diagnosis_like)
    if not live:
        if found:
            return Candidate(text, found[0][0].kind, found[0][0], negated=True)
        mentioned = [t for t in terms if _contains(seq, t)]
        return Candidate(
            text,
            None,
            diagnosis_like=diagnosis_like,
            consistent=bool(mentioned) and all(w in c.consistent for t in mentioned for w in t),
        )
    found = live
    if len(found) > 1:
        # A form's qualifiers written in the answer make it longer; a form whose
        # qualifier the answer contradicts comes last: "posterior shoulder
        # dislocation" is the posterior form, not the anterior one (their core
        # words are the same). At equal length, words found in the order
        # written beat the same number of words found only reordered:
        # "hydatid cyst of liver" is "hydatid cyst", not a reordered "liver cyst".
        found.sort(key=lambda hit: _rank(hit, seq, present, c))
    if found[0][0].kind == "partial":
        # The right answer beside a partial one in the same words ("sigmoid
        # volvulus causing large bowel obstruction"): the partial one is detail.
        better = next((hit for hit in found if hit[0].kind == "correct"), None)
        if better is not None:
            found = [better, *(hit for hit in found if hit is not better)]
    form, (start, end) = found[0]
    cand = Candidate(text, form.kind, form, form.feedback, diagnosis_like=True)
    cand.why.append(f"matched {_kind_name(form.kind)} '{form.text}'")
    inside = set(range(start, end))
    # Words after a connector ("secondary to", "with") describe context.
    context_from = next((i for i in range(end, len(seq)) if seq[i] in CONNECTORS), len(seq))
    # Negated words are what the learner ruled out: never competing detail.
    extras = [i for i in range(len(seq)) if i not in inside and i not in negated]
    # A qualifier may stand between the words of a form ("dislocation of the
    # left shoulder"): the qualifier checks read every word but the form's own.
    outside = [
        i
        for i in range(len(seq))
        if i not in negated and (i not in inside or seq[i] not in form.core_set)
    ]
    # Qualifiers: a contradicted one is wrong; a missing required one is partial.
    # Qualifiers of any accepted form count for the case ("Left tension
    # pneumothorax" accepted: "right tension pneumothorax" contradicts it).
    for qual in dict.fromkeys((*form.quals, *c.required, *c.case_quals)):
        if qual in present:
            contrary = c.opposite.get(qual, ())
            both = [seq[i] for i in outside if i < context_from and seq[i] in contrary]
            if both and form.kind == "correct":
                # "acute on chronic": the qualifier is there, but so is its opposite.
                cand.outcome = "partial"
                cand.feedback = f"Nearly — you wrote both '{qual}' and '{both[0]}'. Which is it?"
                cand.why.append(f"qualifier: '{qual}' and '{both[0]}' both written")
            continue
        contrary = c.opposite.get(qual, ())
        clash = [seq[i] for i in outside if seq[i] in contrary]
        if clash:
            cand.outcome, cand.feedback = (
                "wrong",
                (f"Not quite — check the detail: you wrote '{clash[0]}'."),
            )
            cand.why.append(f"qualifier: '{clash[0]}' contradicts '{qual}'")
            return cand
        if (
            qual in c.required
            and form.kind == "correct"
            and not any(seq[i] in c.opposite.get(qual, ()) for i in outside)
        ):
            cand.outcome = "partial"
            cand.why.append(f"required qualifier '{qual}' missing")
            # The author foresaw this very answer (the same words): their feedback says it best.
            authored = next(
                (
                    f
                    for f, (s, e) in found
                    if f.kind == "partial" and f.feedback and set(range(s, e)) >= inside
                ),
                None,
            )
            if authored is not None:
                cand.form, cand.feedback = authored, authored.feedback
                cand.why.append(f"matched {_kind_name(authored.kind)} '{authored.text}'")
            else:
                options = sorted(c.opposite.get(qual, frozenset()) | {qual})
                cand.feedback = "Nearly — be more specific: " + (
                    " or ".join(options) + "?" if len(options) > 1 else f"which {qual}?"
                )
    if form.kind == "wrong":
        return cand
    # Competing diagnoses among the extra words.
    competing: list[str] = []
    for other, (s, e) in found[1:]:
        if other.kind == "wrong" and not inside & set(range(s, e)):
            competing.append(other.text)
    for i in extras:
        if any(contrasting(seq[i], core) for core in form.core):
            competing.append(content[i].raw or seq[i])
    for term in terms:
        # A known term that takes the matched words further is another
        # diagnosis: "pericardial effusion" is not an "effusion" of the pleura.
        span = _find_phrase(seq, term)
        if span is None or not inside & set(range(*span)) or set(range(*span)) <= inside:
            continue
        if all(seq[k] in c.consistent for k in range(*span) if k not in inside):
            continue
        named = " ".join(content[k].raw for k in range(*span) if content[k].raw)
        cand.outcome, cand.feedback = "wrong", WRONG_FEEDBACK
        cand.why.append(f"names another diagnosis: '{named}'")
        return cand
    if form.kind == "correct":
        for term in terms:
            span = _find_phrase(seq, term)
            if span is None or set(range(*span)) & (inside | negated) or span[0] >= context_from:
                continue
            if all(w in c.consistent for w in term):
                continue
            competing.append(" ".join(content[k].raw for k in range(*span) if content[k].raw))
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
        return cand
    if form.kind == "partial":
        unknown = [content[i].raw or seq[i] for i in extras if seq[i] not in c.harmless]
        if unknown:
            cand.outcome, cand.feedback = "wrong", WRONG_FEEDBACK
            cand.why.append("unrecognised words beside a partial answer: " + ", ".join(unknown))
    elif extras:
        cand.why.append(
            "extra detail: " + " ".join(content[i].raw for i in extras if content[i].raw)
        )
    return cand


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


def _find_phrase(seq: list[str], phrase: Phrase) -> tuple[int, int] | None:
    n = len(phrase)
    for i in range(len(seq) - n + 1):
        if tuple(seq[i : i + n]) == phrase:
            return i, i + n
    return None


def _contains(seq: list[str], phrase: Phrase) -> bool:
    return _find_phrase(seq, phrase) is not None


def _kind_name(kind: Outcome) -> str:
    return {"correct": "accepted", "partial": "partial", "wrong": "known wrong"}[kind]


def _empty(answer: str, why: str, empty: bool = True) -> Verdict:
    return Verdict(answer, "wrong", 0.0, None, EMPTY_FEEDBACK, (why,), empty)


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
        hit = Verdict(
            answer, hit.verdict, hit.score, hit.matched, hit.feedback, hit.why, hit.empty,
            hit.spelling_note,
        )  # fmt: skip
    return hit


def _grade_tokens(answer: str, toks: list[Token], c: Compiled, why: list[str]) -> Verdict:
    if not any(not t.sep for t in toks):
        return _empty(answer, "empty: nothing to grade")
    if not any(ch.isascii() and ch.isalnum() for t in toks for ch in t.text):
        return _empty(answer, "no Latin letters or digits", empty=False)
    if any(t.respelt for t in toks):
        why.append("spelling: British→American")
    # Step 2: typos, word by word (separators kept).
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
        fix = _typo(word, c)
        if fix is None:
            corrected.append(word)
        else:
            corrected.append(fix[0])
            slips.append((t.raw, fix[0], fix[1]))
    for raw, fixed, edits in slips:
        why.append(f"typo: '{raw}'≈'{fixed}' ({edits} edit{'s' if edits > 1 else ''})")
    # Step 3: the lexicon, within each run of words.
    items: list[Word] = []
    raws = [t.raw for t in toks]
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
    # Step 4: negation, then hedges.
    items = _in_context(items, c, why)
    _mark_negations(items, why)
    _drop_hedges(items, why)
    # Step 5: candidates.
    segments: list[list[Word]] = [[]]
    # What stands between a segment and the next: 2 "or"/"vs", 1 "/", 0 neither.
    alternative: list[int] = [0]
    explicit = False
    for w in items:
        if w.text in EXPLICIT_DIFFERENTIAL:
            explicit = True
        if w.text == SEPARATOR or w.text in SPLITTERS:
            if w.text in ALTERNATIVES:
                alternative[-1] = 2
            elif w.raw == "/":
                alternative[-1] = max(alternative[-1], 1)
            if segments[-1]:
                segments.append([])
                alternative.append(0)
        elif not w.dropped:
            segments[-1].append(w)
    kept = [k for k, s in enumerate(segments) if any(w.text not in STOPWORDS for w in s)]
    # Detail after a comma ("tension pneumothorax, right"; "EDH, right
    # temporal") belongs to the candidate before it.
    for n in range(len(kept) - 1, 0, -1):
        k, prev = kept[n], kept[n - 1]
        if not alternative[prev] and all(
            w.text in STOPWORDS or w.text in c.detail_words for w in segments[k]
        ):
            segments[prev].extend(segments[k])
            segments[k] = []
            alternative[prev] = alternative[k]
            del kept[n]
    # ... and detail standing first, before a stop or a colon, belongs to the
    # candidate after it: "post. shoulder dislocation", "Left: pneumothorax".
    if len(kept) > 1 and not alternative[kept[0]]:
        k, nxt = kept[0], kept[1]
        if all(w.text in STOPWORDS or w.text in c.detail_words for w in segments[k]):
            segments[nxt][:0] = segments[k]
            segments[k] = []
            del kept[0]
    # Words after a comma or in brackets that name nothing the case foresaw
    # but complete a longer or the right form with the candidate before them
    # join it: "aortic dissection, Stanford type A", "aortic dissection (type
    # A)", "pneumothorax (tension)".
    for n in range(len(kept) - 1, 0, -1):
        k, prev = kept[n], kept[n - 1]
        if alternative[prev] or any(w.negated for w in segments[k] + segments[prev]):
            continue
        if _judge(segments[k], c).form is not None:
            continue
        first = _judge(segments[prev], c)
        merged = _judge(segments[prev] + segments[k], c)
        if merged.form is not None and (
            first.form is None
            or (merged.outcome == "correct" and first.outcome != "correct")
            or len(merged.form.core) > len(first.form.core)
        ):
            segments[prev].extend(segments[k])
            segments[k] = []
            alternative[prev] = alternative[k]
            del kept[n]
            why.append(f"'{' '.join(w.raw for w in segments[prev] if w.raw)}' read as one")
    judged: list[Candidate] = []
    for n, k in enumerate(kept):
        cand = _judge(segments[k], c)
        after = alternative[k] if n + 1 < len(kept) else 0
        before = alternative[kept[n - 1]] if n > 0 else 0
        if cand.form is None and not cand.negated and (after or before):
            if after and not any(w.negated for w in segments[k]):
                # A head noun shared across the alternatives: "extradural or
                # subdural haematoma" is "extradural haematoma" or "subdural haematoma".
                # The longest shared tail that completes a form: "posterior vs
                # anterior shoulder dislocation" is "posterior shoulder dislocation" or ...
                following = segments[kept[n + 1]]
                for size in range(max(len(following) - 1, 1), 0, -1):
                    tail = [Word(w.text, w.raw) for w in following[-size:]]
                    shared = _judge([*segments[k], *tail], c)
                    if shared.form is not None and not shared.negated:
                        said = " ".join(w.raw for w in tail if w.raw)
                        shared.why.append(f"shared words '{said}' read into '{cand.text}'")
                        cand = shared
                        break
            if cand.form is None and not cand.diagnosis_like and max(after, before) == 2:
                # (Not after "/": "Ewing sarcoma/PNET" joins two names of one thing.)
                # "EMH or something else", "left ... or right": a vague
                # alternative, or another side, is still an alternative.
                vague = [
                    w.raw
                    for w in segments[k]
                    if (w.text not in c.harmless or w.text in c.opposite) and w.raw
                ]
                if vague:
                    cand.diagnosis_like = True
                    cand.why.append("vague alternative: " + " ".join(vague))
        cand.alternative = bool(after or before)
        judged.append(cand)
    return _combine(answer, judged, slips, explicit, why, c)


def _as_typed(text: str, answer: str) -> str:
    """``text`` (folded to lower case on the way) as the learner typed it, for feedback."""
    found = re.search(re.escape(text), answer, re.IGNORECASE)
    return found.group() if found else text


def _combine(
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
            return _empty(answer, "empty: only hedges or filler")
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
            if (j.outcome == "partial" and authored_partial) or repeated:
                j.detail = True
    others = [j for j in candidates if j.outcome != "correct" and not j.detail]
    if len(candidates) > 1 or explicit:
        why.append(
            f"differential of {len(candidates)} candidate{'s' if len(candidates) > 1 else ''}"
        )
    first = correct[0] if correct else None
    if first is not None and first.form is not None:
        why.extend(first.why)
        if others:
            listed = ", ".join(_as_typed(j.text, answer) for j in candidates if not j.detail)
            return Verdict(
                answer, "partial", 0.5, first.form.text,
                f"You listed several possibilities ({listed}). One of them is right — "
                "commit to a single diagnosis: which is it?",
                (*why, "not committed: right answer among others"),
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


def grade(answer: str, spec: DiagnosisSpec, lexicon: Lexicon | None = None) -> Verdict:
    """Grade a free-text diagnosis against a case's spec.

    ``lexicon`` defaults to the shipped lexicon (see :func:`load_lexicon` for
    a cases folder's own). Never raises on any text; pure and deterministic.
    """
    return grade_compiled(answer, compiled(spec, lexicon or shipped_lexicon()))
