"""The core concept of a diagnosis line, for the tools that write cases.

A diagnosis line is a core concept plus qualifiers: "Right tubal ectopic
pregnancy" is an ectopic pregnancy (the core) on the right, in the tube;
"Isthmic spondylolisthesis of L5 on S1, Meyerding grade II" is a
spondylolisthesis of a type, at a level, of a grade. :func:`concept_of` finds
the core so that ``tutorbot cases import`` and ``cases new`` can write it into
the case (``diagnosis.core``), where the author reviews it; the grader then
accepts the core alone and reads every other word of the line as an optional
qualifier that an answer may leave out but not contradict.

The rule, in order:

1. What follows a comma ("..., Scadding stage II"), a tail connector ("with",
   "due to") or a site phrase ("of the left medial femoral condyle", "in the
   ...") is qualifiers, unless the words form a known name ("developmental
   dysplasia of the hip").
2. Words with a known role are qualifiers: the side, words of the lexicon's
   qualifier groups (site, organ, timing ...), its describing modifiers
   ("cerebral", "large"), a class ("type II"). An event of the condition
   ("ruptured", "perforated") is what the patient presents with: a
   *required* qualifier.
3. Of what is left, the core is a name the text defines by an abbreviation
   ("abdominal aortic aneurysm (AAA)") or the longest name of two or more words
   the lexicon knows, else the head noun phrase: a head word with a disease
   ending alone ("spondylolisthesis", "sarcoidosis"), otherwise the head noun
   and the word before it ("ectopic pregnancy", "sinus thrombosis").

The function never decides a verdict: it proposes what the author reviews.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tutorbot.grading.forms import canonicalise
from tutorbot.grading.lexicon import Lexicon, Phrase
from tutorbot.grading.normalise import Token, class_token, tokens, words
from tutorbot.grading.wordlists import (
    EVENTS,
    GENERIC,
    PROCESS_HEADS,
    STOPWORDS,
    STRUCTURES,
    TAIL_CONNECTORS,
)

# Words that open a site phrase after the head noun ("... of the left femur").
SITE_OPENERS = frozenset({"of", "in", "at", "on", "involving", "affecting", "within"})
# Endings of a word that names a disease by itself ("sarcoidosis", "spondylolisthesis").
DISEASE_ENDINGS = (
    "itis", "osis", "oma", "iasis", "pathy", "emia", "esis", "plasia", "ectasis", "trophy",
    "megaly",
)  # fmt: skip
# Kinds of lexicon qualifiers that name a place.
PLACES = frozenset({"organ", "bone", "site", "tendon", "vessel"})


@dataclass(frozen=True)
class Concept:
    """The core concept's names (the first as the line writes it) and the words of the
    line an answer must give (events such as "ruptured")."""

    core: tuple[str, ...]
    required: tuple[str, ...] = ()


def _canonical(word: str, lexicon: Lexicon) -> str:
    phrase = lexicon.synonyms.get((word,))
    return phrase[0] if phrase is not None and len(phrase) == 1 else word


def _known_names(lexicon: Lexicon) -> frozenset[Phrase]:
    names = {*lexicon.canonicals, *lexicon.synonyms, *lexicon.terms}
    return frozenset(n for n in names if len(n) > 1)


def _find(seq: Sequence[str], phrase: Phrase) -> int | None:
    n = len(phrase)
    for i in range(len(seq) - n + 1):
        if tuple(seq[i : i + n]) == phrase:
            return i
    return None


def _head_phrase(toks: list[Token], known: frozenset[Phrase]) -> list[Token]:
    """The line's words before a comma, a tail connector or a site phrase (rule 1)."""
    seq = [t.text for t in toks]
    head: list[Token] = []
    for k, tok in enumerate(toks):
        if tok.sep:
            if head:
                break
            continue
        if head and (tok.text in TAIL_CONNECTORS or tok.text in SITE_OPENERS):
            # "dysplasia of the hip" is a name: the phrase stays.
            spans = (
                tuple(seq[i:j]) for i in range(k) for j in range(k + 1, min(len(seq), k + 6) + 1)
            )
            if not any(s in known for s in spans):
                break
        head.append(tok)
    return head


def _role(word: str, lexicon: Lexicon, last: bool) -> str | None:
    """``"event"``, ``"qualifier"`` or None (a word of the name), for one word of the line."""
    phrase, _ = canonicalise((word,), lexicon)
    content = [w for w in phrase if w not in GENERIC]
    if not content:
        return "qualifier"
    if all(w in EVENTS for w in content) and not last:
        return "event"
    if all(
        w in lexicon.opposite or w in lexicon.modifiers or class_token(w) is not None
        for w in content
    ):
        return "qualifier"
    return None


def _names_a_place(word: str, lexicon: Lexicon) -> bool:
    # (A place keeps its word in a defined name: "splenic artery aneurysm".)
    return lexicon.kinds.get(_canonical(word, lexicon)) in PLACES


def is_qualifier_word(word: str, lexicon: Lexicon) -> bool:
    """Whether a written word only qualifies a diagnosis (a side, a timing, a size ...)."""
    return all(_role(w, lexicon, False) == "qualifier" for w in words(word)) and bool(words(word))


def _shrink(name: list[Token]) -> list[Token]:
    """The head noun phrase of a name with no known role words left (rule 3)."""
    if len(name) <= 1:
        return name
    head = name[-1].text
    if head.endswith(DISEASE_ENDINGS) and head not in PROCESS_HEADS:
        return name[-1:]
    return name[-2:]


def _longest_known(toks: list[Token], known: frozenset[Phrase], lexicon: Lexicon) -> list[Token]:
    """The longest run of words that is a name the lexicon knows (not only qualifiers)."""
    seq = [_canonical(t.text, lexicon) for t in toks]
    best: tuple[int, int] | None = None
    for i in range(len(seq)):
        for j in range(i + 2, len(seq) + 1):
            if tuple(seq[i:j]) not in known or (best is not None and j - i <= best[1] - best[0]):
                continue
            if any(_role(w, lexicon, False) is None for w in seq[i:j]):
                best = (i, j)
    return toks[best[0] : best[1]] if best else []


def concept_of(
    answer: str, lexicon: Lexicon, defined: Sequence[tuple[str, str]] = ()
) -> Concept | None:
    """The core concept of a diagnosis line, or None when the whole line is the core.

    ``defined`` are the ``(long form, abbreviation)`` pairs the case text defines
    ("abdominal aortic aneurysm", "AAA"): a long form inside the line is a name,
    and its abbreviation names the core too when the long form holds it.
    """
    text = re.sub(r"\([^()]*\)", " ", answer)
    toks = tokens(text)
    known = _known_names(lexicon)
    head = _head_phrase(toks, known)
    if not head:
        return None
    required = [
        t.raw for k, t in enumerate(head) if _role(t.text, lexicon, k == len(head) - 1) == "event"
    ]
    core: list[Token] = []
    shorts: list[str] = []
    seq = [t.text for t in head]
    for long_form, short in defined:
        at = _find(seq, words(long_form))
        if at is None:
            continue
        name = head[at : at + len(words(long_form))]
        whole = _longest_known(name, known, lexicon)
        if len(whole) == len(name):
            core = name
        else:
            core = _shrink(
                [
                    t
                    for t in name
                    if t.text not in STOPWORDS
                    and (_role(t.text, lexicon, False) is None or _names_a_place(t.text, lexicon))
                ]
            )
        shorts.append(short)
        break
    if not core:
        core = _longest_known(head, known, lexicon)
    if not core:
        kept = [t for k, t in enumerate(head) if _role(t.text, lexicon, k == len(head) - 1) is None]
        core = _shrink(kept)
    if not core or all(t.text in PROCESS_HEADS or t.text in STRUCTURES for t in core):
        # A process alone ("laceration", "fracture") is no concept: its site belongs to it.
        return None
    first = " ".join(t.raw for t in core)
    names = (first[:1].upper() + first[1:], *shorts)
    said = tuple(w for w in words(text) if w not in STOPWORDS)
    if tuple(w for w in words(first) if w not in STOPWORDS) == said and not required:
        return None
    return Concept(tuple(dict.fromkeys(names)), tuple(dict.fromkeys(required)))
