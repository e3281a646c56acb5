"""Text normalisation shared by answers, case forms and the lexicon.

Everything that is compared goes through the same functions, so a rule that
is slightly imperfect ("aeration" -> "eration") is harmless: both sides are
changed the same way. The functions here are pure and cached.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

# Longer answers are cut before grading: a diagnosis never needs more, and it
# keeps the cost of a 10,000-character paste bounded.
MAX_CHARS = 500

# Letters NFKD leaves alone but that have an obvious ASCII spelling.
_FOLD = str.maketrans(
    {
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
        "ø": "o",
        "đ": "d",
        "ł": "l",
        "ı": "i",
        "’": "'",
        "‘": "'",
        "`": "'",
        "´": "'",
        "–": "-",
        "—": "-",
        "‐": "-",
        "‑": "-",
        "&": " and ",
        "+": " and ",
    }
)

# Shorthand that contains a separator character and must be read before
# "/" splits a differential.
_SHORTHAND = (
    (re.compile(r"\bc\s*/\s*w\b"), " consistent with "),
    (re.compile(r"\br\s*/\s*o\b"), " rule out "),
    (re.compile(r"\bs\s*/\s*p\b"), " status post "),
    (re.compile(r"\bw\s*/\s*o\b"), " without "),
    (re.compile(r"\bw/"), " with "),
    (re.compile(r"\band\s*/\s*or\b"), " or "),
    (re.compile(r"\bd\s*/\s*dx\b"), " ddx "),
)

_LONE_W = re.compile(r"(?<=\s)w(?=\s)")

# A numbered list marker ("1.", "2)") at the start or after a space, a word
# (with inner apostrophes), a decimal number, or a separator.
_TOKEN = re.compile(
    r"(?P<marker>(?:(?<=\s)|^)\d{1,2}[.)](?!\d))"
    r"|(?P<word>[^\W_]+(?:'[^\W_]+)*)"
    r"|(?P<sep>[,;:/?!()\[\]\n|]|\.(?!\d)|\s-\s|->|=>)"
)

SEPARATOR = "|"
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _control(match: re.Match[str]) -> str:
    return "\n" if match.group() in "\n\r" else " "


_OE = re.compile(r"(?:^|(?<=[hcfmnt]))oe")
_ISE = re.compile(r"(?<=[a-z]{3})is(e|ed|ing|ation)$")
_YSE = re.compile(r"(?<=[a-z]{2})ys(e|ed|ing)$")

# Prefixes written apart or hyphenated ("extra-medullary", "sub dural") are
# joined to the word after them so both spellings give one token.
JOIN_PREFIXES = frozenset(
    {
        "extra", "intra", "sub", "epi", "para", "retro", "peri", "hyper", "hypo", "non",
        "supra", "infra", "pseudo", "inter", "trans", "anti", "pre", "post", "pan",
    }
)  # fmt: skip

# Prefixes that change the meaning of a word: two words that differ in one of
# these are never typos of each other ("subdural" / "extradural").
MEANING_PREFIXES = (
    "extra", "intra", "inter", "infra", "supra", "retro", "para", "peri", "epi", "sub",
    "hyper", "hypo", "non", "un", "pseudo", "pre", "post", "anti", "pan", "endo", "exo",
    "uni", "bi", "multi", "poly", "mono", "an", "a",
)  # fmt: skip


# Words that take a class after them ("type A", "grade II", "Stanford B"): the
# class is joined to the word ("type_a", "grade_2") so it is never dropped as
# a stopword ("a") or read as a pronoun ("I"), and roman numerals equal digits.
CLASSIFIERS = frozenset(
    {"type", "grade", "stage", "class", "group", "zone", "level", "stanford", "debakey"}
)
ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6"}
# Number words are digits too after a classifier: "grade two" = "grade II" = "grade 2".
NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
    "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}  # fmt: skip
# Ordinals in digits are their words: "5th metatarsal" = "fifth metatarsal".
ORDINALS = {
    "1st": "first", "2nd": "second", "3rd": "third", "4th": "fourth", "5th": "fifth",
    "6th": "sixth", "7th": "seventh", "8th": "eighth", "9th": "ninth", "10th": "tenth",
    "11th": "eleventh", "12th": "twelfth",
}  # fmt: skip
ORDINAL_WORDS = frozenset(ORDINALS.values())
# Students write "type" and "grade" (and "class") for one another's scale
# steps ("grade II Salter-Harris", "type 3 splenic injury"): one class token.
CLASS_WORD = {"grade": "type", "class": "type"}
# Named scales whose step may follow the name directly ("Salter-Harris 2",
# "AAST III", "Weber B", "SH2"): the step is read as "type <step>".
SCALES = frozenset(
    {
        "harris", "sh", "aast", "weber", "garden", "gustilo", "schatzker", "bosniak",
        "hinchey", "gartland", "fisher", "neer", "frykman", "birads", "lirads", "pirads",
        "tirads", "kellgren", "spetzler", "clark", "breslow", "ficat", "tanner", "denis",
    }
)  # fmt: skip
# A scale or classifier run together with its step: "SH2", "grade3", "type2".
_GLUED_STEP = re.compile(r"([a-z]+?)(\d{1,2})")
# Vertebral levels as one word: "C5/6", "C5-C6", "L4-5", "T12/L1" -> "c5c6", "l4l5",
# "t12l1" (before "/" could split them as a differential).
_LEVELS = re.compile(r"\b([ctls])\s?(\d{1,2})\s*[/-]\s*([ctls]?)\s?(\d{1,2})\b")


def _level(match: re.Match[str]) -> str:
    return f"{match[1]}{match[2]}{match[3] or match[1]}{match[4]}"


def class_token(word: str) -> tuple[str, str] | None:
    """A class token's classifier and step ("type_2" -> ("type", "2")), or None."""
    head, sep, step = word.partition("_")
    return (head, step) if sep and head in CLASSIFIERS else None


# A step with a sub-step letter: "IIB", "2b", "IIIa".
_SUB_STEP = re.compile(r"(i{1,3}|iv|vi?|\d{1,2})([a-d])")


def _class_value(word: str) -> str | None:
    if word in ROMAN:
        return ROMAN[word]
    sub = _SUB_STEP.fullmatch(word)
    if sub is not None:
        return ROMAN.get(sub[1], sub[1]) + sub[2]
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    if len(word) == 1 or (word.isdigit() and len(word) <= 2):
        return word
    return None


class Token(NamedTuple):
    """One word or separator of a normalised text; ``raw`` is what was typed."""

    text: str
    raw: str
    sep: bool = False
    respelt: bool = False  # a British->American or plural rule changed it


def fold(text: str) -> str:
    """Lower case, accents and ligatures removed, control characters dropped."""
    text = text[:MAX_CHARS].casefold()
    if text.isascii():
        # Fast path: most answers are plain ASCII.
        return _ASCII_CONTROL.sub(_control, text.translate(_FOLD))
    text = unicodedata.normalize("NFKD", text.translate(_FOLD)).translate(_FOLD)
    out = []
    for ch in text:
        if unicodedata.combining(ch):
            continue
        if ch in "\n\r\u2028\u2029":
            out.append("\n")
        elif unicodedata.category(ch)[0] == "C":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out).casefold()


@lru_cache(maxsize=65536)
def singular(word: str) -> str:
    """Plural -> singular by simple, conservative rules (short words left alone)."""
    w = word
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("sses") and len(w) > 5:
        return w[:-2]
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("s") and not w.endswith(("ss", "us", "is", "ys", "as", "os")):
        return w[:-1]
    return w


@lru_cache(maxsize=65536)
def americanise(word: str) -> str:
    """British -> American spelling: haem/hem, oe/e, ae/e, -our, -tre, -ise, -yse."""
    w = word
    if len(w) <= 3 or not w.isalpha():
        return w
    # haematoma, oedema, leukaemia, oesophagus ("haem" is covered by "ae").
    w = w.replace("ae", "e")
    # "oe" only where British spelling has it (oedema, coeliac, foetal,
    # diarrhoea), not in Greek "-poesis" misspellings or "aloe".
    w = _OE.sub("e", w)
    if len(w) > 5 and w.endswith("our"):
        w = w[:-3] + "or"
    if len(w) > 4 and w.endswith("tre"):
        w = w[:-3] + "ter"
    if len(w) > 5:
        w = _ISE.sub(r"iz\1", w)
        w = _YSE.sub(r"yz\1", w)
    return w


def respell(word: str) -> str:
    """Singular, American spelling: the form every word is compared in."""
    return americanise(singular(word))


def tokens(text: str) -> list[Token]:
    """Fold, read shorthand and split into word and separator tokens.

    Contractions are expanded ("isn't" -> "is not"), possessives dropped
    ("Ewing's" -> "ewing"), hyphenated and spaced prefixes joined
    ("extra-medullary" -> "extramedullary") and words respelt.
    """
    folded = fold(text)
    if "/" in folded or "-" in folded:
        folded = _LEVELS.sub(_level, folded)
    if "/" in folded:  # every shorthand pattern has a slash
        for pattern, replacement in _SHORTHAND:
            folded = pattern.sub(replacement, folded)
    if " w " in f" {folded} ":
        # "X w Y", typed on a phone for "X w/ Y".
        folded = _LONE_W.sub(" with ", folded)
    out: list[Token] = []
    for match in _TOKEN.finditer(folded):
        if match.lastgroup != "word":
            if not out or not out[-1].sep:
                out.append(Token(SEPARATOR, match.group(), sep=True))
            continue
        raw = match.group()
        for new, respelt in _word_tokens(raw):
            step = _class_step(out[-1].text, new) if out else None
            if step is None and out and new in SUB_LETTERS and _numbered(out[-1].text):
                # "stage two B": the letter is the sub-step of the step before it.
                out[-1] = Token(out[-1].text + new, f"{out[-1].raw} {raw}", False, out[-1].respelt)
                continue
            if step is not None:
                prev = out[-1]
                if prev.text in SCALES:
                    out.append(Token(f"type_{step}", raw))
                else:
                    head = CLASS_WORD.get(prev.text, prev.text)
                    out[-1] = Token(f"{head}_{step}", f"{prev.raw} {raw}", False, prev.respelt)
                continue
            out.append(Token(new, raw, False, respelt))
    if JOIN_PREFIXES.isdisjoint(t.raw for t in out):
        return out
    return _join_prefixes(out)


# Sub-step letters that may follow a numbered step as a word of their own ("a" is
# left out: "grade 2 a ..." reads as an article).
SUB_LETTERS = frozenset({"b", "c", "d"})


def _numbered(word: str) -> bool:
    step = class_token(word)
    return step is not None and step[1].isdigit()


def step_parts(step: str) -> tuple[str, str]:
    """A step's number and sub-step letter: "2b" -> ("2", "b"), "3" -> ("3", ""),
    "a" -> ("", "a") (a lettered scale such as Stanford's)."""
    number = step.rstrip("abcdefghijklmnopqrstuvwxyz")
    return (number, step[len(number) :]) if number else ("", step)


def shared_prefix(a: str, b: str) -> int:
    """How many letters two words share from their start."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def bare_step(word: str) -> str | None:
    """The step a sub-step written without its classifier names ("iiib" -> "3b")."""
    sub = _SUB_STEP.fullmatch(word)
    return ROMAN.get(sub[1], sub[1]) + sub[2] if sub is not None else None


def _class_step(previous: str, word: str) -> str | None:
    """The step ``word`` gives the classifier or scale before it, if it is one."""
    if previous in CLASSIFIERS or previous in SCALES:
        return _class_value(word)
    return None


@lru_cache(maxsize=65536)
def _word_tokens(raw: str) -> tuple[tuple[str, bool], ...]:
    """A typed word as normalised words, each with whether spelling rules changed it."""
    parts: list[str]
    if raw in ORDINALS:
        return ((ORDINALS[raw], False),)
    glued = _GLUED_STEP.fullmatch(raw)
    if glued and (glued[1] in CLASSIFIERS or glued[1] in SCALES):
        return ((glued[1], False), (glued[2], False))
    if raw.endswith("n't"):
        parts = [raw[:-3] or "not", "not"]
    elif "'" in raw:
        head, _, tail = raw.partition("'")
        parts = [head] if tail in ("s", "re", "m", "d", "ll", "ve", "") else [head + tail]
    else:
        parts = [raw]
    out = []
    for part in parts:
        single = singular(part)
        new = americanise(single)
        out.append((new, new != single))
    return tuple(out)


def _join_prefixes(toks: list[Token]) -> list[Token]:
    joined: list[Token] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        # The prefix as typed, not as the plural rule left it: "PRES" (an
        # abbreviation) becomes "pre" but is no prefix, while "trans" is one.
        if tok.raw in JOIN_PREFIXES and i + 1 < len(toks) and not toks[i + 1].sep:
            nxt = toks[i + 1]
            word = respell(tok.raw + nxt.text)
            joined.append(Token(word, f"{tok.raw}-{nxt.raw}", respelt=nxt.respelt))
            i += 2
            continue
        joined.append(tok)
        i += 1
    return joined


def words(text: str) -> tuple[str, ...]:
    """The normalised words of ``text``, separators dropped (for forms and lexicon entries)."""
    return tuple(t.text for t in tokens(text) if not t.sep)


@lru_cache(maxsize=65536)
def meaning_prefix(word: str) -> str:
    """The meaning-changing prefix ``word`` starts with ("" if none), leaving a stem of 3+."""
    for prefix in MEANING_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return prefix
    return ""


@lru_cache(maxsize=65536)
def contrasting(a: str, b: str) -> bool:
    """Two different words that share a stem but differ in a meaning prefix.

    "subdural" and "extradural", "intramedullary" and "extramedullary",
    "hyperdense" and "hypodense".
    """
    if a == b:
        return False
    pa, pb = meaning_prefix(a), meaning_prefix(b)
    if pa == pb:
        return False
    sa, sb = a[len(pa) :], b[len(pb) :]
    # Single-letter prefixes ("a", "an") are too common to trust alone.
    if min(len(pa), len(pb)) == 0 and max(len(pa), len(pb)) <= 2:
        return False
    return sa == sb and len(sa) >= 4
