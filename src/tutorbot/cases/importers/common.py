"""Helpers every importer shares: clean text, case ids, accepted answers, modality tags."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from tutorbot.cases.model import ID_MAX_LENGTH, ID_PATTERN, AnswerFeedback, DiagnosisSpec
from tutorbot.cases.vocabulary import name_key, shipped_vocabulary
from tutorbot.grading.concept import Concept, concept_of, is_qualifier_word
from tutorbot.grading.lexicon import Lexicon, LexiconError, load_lexicon, shipped_lexicon
from tutorbot.grading.normalise import words

_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """One line of text: control characters dropped, runs of white space made one space."""
    kept = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
        for c in text
        if unicodedata.category(c) not in ("Cs", "Co", "Cn") and c not in "\ufeff\u200b"
    )
    return _SPACES.sub(" ", kept).strip()


def slugify(title: str, fallback_seed: str = "") -> str:
    """A case id from a title: ``a-z0-9`` words joined by hyphens, cut at a word, at most 48.

    A title with no usable letters gives ``case-<hash>`` so every import has an id.
    """
    unquoted = re.sub(r"(?<=\w)['’](?=\w)", "", title)  # "Ewing's" -> "ewings"
    ascii_text = unicodedata.normalize("NFKD", unquoted).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > ID_MAX_LENGTH:
            break
        slug = candidate
    if not slug and words:
        slug = words[0][:ID_MAX_LENGTH]
    if not slug or not ID_PATTERN.match(slug):
        digest = hashlib.sha256((title + fallback_seed).encode("utf-8", "replace")).hexdigest()
        slug = f"case-{digest[:8]}"
    return slug


@dataclass(frozen=True)
class Respelling:
    """One medical word root as Americans and as the British spell it, as regular expressions.

    ``before`` and ``after`` are lookarounds that say where the American form is
    that root and not another word ("hem-" is also "hemi-", "ped-" also "pedal");
    the British form is distinctive, so the way back needs only ``before``.
    """

    american: str
    british: str
    before: str = r"\b"
    after: str = ""

    def to_british(self) -> tuple[str, str]:
        return self.before + self.american + self.after, self.british

    def to_american(self) -> tuple[str, str]:
        return self.before + self.british, self.american


# Only roots that are unambiguous are listed: "hemi-" stays. Applied in this order, word by word.
# These write the variants an instructor reads in `accepted`; the grader needs none of them,
# as it folds both spellings of every word to one form (grading.normalise.americanise).
_NOT_AFTER_A = r"(?<=[a-z])(?<!a)"  # -emia after a letter, but not the British -aemia
RESPELLINGS: tuple[Respelling, ...] = (
    Respelling("hem", "haem", after="(?=[ao])"),
    Respelling("emia", "aemia", before=_NOT_AFTER_A, after=r"\b"),
    Respelling("emias", "aemias", before=_NOT_AFTER_A, after=r"\b"),
    Respelling("ped", "paed", after="(?=iatr)"),
    Respelling("ped", "paed", before="(?<=ortho)"),
    Respelling("edema", "oedema"),
    Respelling("esophag", "oesophag"),
    Respelling("estrogen", "oestrogen"),
    Respelling("diarrhea", "diarrhoea", before=""),
    Respelling("tumor", "tumour"),
    Respelling("color", "colour"),
    Respelling("center", "centre"),
    Respelling("fiber", "fibre"),
    Respelling("anesthe", "anaesthe"),
    Respelling("cec", "caec", after="(?=um|al)"),
    Respelling("gynecolog", "gynaecolog"),
    Respelling("etiolog", "aetiolog"),
    Respelling("ization", "isation", before="(?<=[a-z]{3})"),
)
_TO_BRITISH = tuple(rule.to_british() for rule in RESPELLINGS)
_TO_AMERICAN = tuple(rule.to_american() for rule in RESPELLINGS)
# Forms that are the same word spelt two ways (not synonyms in general), tried both ways.
_SAME_WORD_PAIRS: tuple[tuple[str, str], ...] = (("ematopoie", "emopoie"),)
_SAME_WORD = tuple(rule for pair in _SAME_WORD_PAIRS for rule in (pair, pair[::-1]))


def _respell(text: str, rules: Iterable[tuple[str, str]]) -> str:
    def keep_case(replacement: str) -> Callable[[re.Match[str]], str]:
        def swap(match: re.Match[str]) -> str:
            found = match.group(0)
            if found.isupper():
                return replacement.upper()
            if found[:1].isupper():
                return replacement[:1].upper() + replacement[1:]
            return replacement

        return swap

    for pattern, replacement in rules:
        text = re.sub(pattern, keep_case(replacement), text, flags=re.IGNORECASE)
    return text


def spelling_variants(answer: str) -> list[str]:
    """American and British spellings of ``answer`` (and hemopoiesis/hematopoiesis), without it."""
    forms = {answer}
    for pattern, replacement in _SAME_WORD:
        forms |= {re.sub(pattern, replacement, form, flags=re.IGNORECASE) for form in forms}
    forms |= {_respell(form, _TO_BRITISH) for form in forms} | {
        _respell(form, _TO_AMERICAN) for form in forms
    }
    return _unique(
        sorted(forms, key=lambda form: (form != _respell(form, _TO_AMERICAN), form)), answer
    )


_ABBREVIATION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9&/-]{0,11}$")


def _is_abbreviation(text: str) -> bool:
    return bool(_ABBREVIATION.match(text)) and sum(c.isupper() for c in text) >= 2


def split_abbreviation(diagnosis: str) -> tuple[str, list[str]]:
    """``"Extramedullary hematopoiesis (EMH)"`` → ``("Extramedullary hematopoiesis", ["EMH"])``.

    Also ``"EMH (extramedullary hematopoiesis)"``; other parentheses stay in the answer.
    """
    match = re.fullmatch(r"(.+?)\s*\(([^()]+)\)\s*\.?", diagnosis)
    if not match:
        return _split_inner_abbreviation(diagnosis)
    outside, inside = match.group(1).strip(), match.group(2).strip()
    if _is_abbreviation(inside) and not _is_abbreviation(outside):
        # "Ruptured infrarenal abdominal aortic aneurysm (AAA)": the abbreviation
        # stands for its long form only; the other words stay ("Ruptured infrarenal AAA").
        long_form = _long_form(inside, outside)
        words_ = outside.split()
        if long_form and len(long_form.split()) < len(words_):
            head = words_[: len(words_) - len(long_form.split())]
            if not all(is_qualifier_word(w, shipped_lexicon()) for w in head):
                return outside, [" ".join([*head, inside])]
        return outside, [inside]
    if _is_abbreviation(outside) and not _is_abbreviation(inside):
        return inside, [outside]
    return diagnosis, []


def _split_inner_abbreviation(diagnosis: str) -> tuple[str, list[str]]:
    """``"Complete anterior cruciate ligament (ACL) tear"`` → ``("Complete anterior
    cruciate ligament tear", ["Complete ACL tear"])``.

    Only when the words just before the parentheses spell the abbreviation
    (see :func:`_long_form`); otherwise the diagnosis stays as written.
    """
    found = list(re.finditer(r"\(\s*([^()]+?)\s*\)", diagnosis))
    if len(found) != 1:
        return diagnosis, []
    match = found[0]
    inside = match.group(1)
    before, after = diagnosis[: match.start()].rstrip(), diagnosis[match.end() :].strip()
    if not after or not _is_abbreviation(inside):
        return diagnosis, []
    long_form = _long_form(inside, before)
    if long_form is None:
        return diagnosis, []
    words = before.split()
    head = " ".join(words[: len(words) - len(long_form.split())])
    answer = " ".join([*words, after])
    return answer, [" ".join(w for w in (head, inside, after) if w)]


def _long_form(short: str, text: str) -> str | None:
    """The end of ``text`` that ``short`` abbreviates, or None.

    The letters of ``short`` must appear in order in the last few words of
    ``text``, the first one starting a word (Schwartz and Hearst's rule):
    ``SDH`` ← "subdural haematoma", ``ACL`` ← "anterior cruciate ligament".
    """
    letters = [c.lower() for c in short if c.isalnum()]
    words = text.split()[-min(len(letters) + 5, 2 * len(letters)) :]
    long = " ".join(words)
    at = len(long) - 1
    for number in range(len(letters) - 1, -1, -1):
        letter = letters[number]
        while at >= 0 and (
            long[at].lower() != letter or (number == 0 and at > 0 and long[at - 1].isalnum())
        ):
            at -= 1
        if at < 0:
            return None
        at -= 1
    found = long[long.rfind(" ", 0, at + 2) + 1 :]
    return found if len(found) > len(short) else None


_PARENTHESES = re.compile(r"\(\s*([^()]{1,80}?)\s*\)")
_WORD_BEFORE = re.compile(r"(?:^|(?<=\s))([A-Za-z0-9][A-Za-z0-9&/-]{0,11})$")


def defined_abbreviations(texts: Iterable[str]) -> list[tuple[str, str]]:
    """``(long form, abbreviation)`` for each abbreviation a text defines in parentheses:
    "developmental dysplasia of the hip (DDH)" and "DDH (developmental dysplasia of the
    hip)" both give ``("developmental dysplasia of the hip", "DDH")``; the letters must
    spell the words (see :func:`_long_form`)."""
    pairs: list[tuple[str, str]] = []
    for text in texts:
        for match in _PARENTHESES.finditer(text):
            inside = match.group(1).strip()
            before = text[: match.start()].rstrip()
            if _is_abbreviation(inside):
                long_form = _long_form(inside, before)
                if long_form:
                    pairs.append((long_form.strip(" ,;:"), inside))
            elif (
                (word := _WORD_BEFORE.search(before))
                and _is_abbreviation(word.group(1))
                and _long_form(word.group(1), inside) == inside
            ):
                pairs.append((inside, word.group(1)))
    return pairs


def abbreviated_forms(answer: str, texts: Iterable[str]) -> list[tuple[str, str]]:
    """The answer written with each abbreviation the texts define for it or for words
    in it, and the definition: ``("DDH", "developmental dysplasia of the hip (DDH)")``
    for the answer "Developmental dysplasia of the hip", ``("Left DDH", ...)`` for
    "Left developmental dysplasia of the hip"."""
    found: list[tuple[str, str]] = []
    for long_form, short in defined_abbreviations(texts):
        definition = f"{long_form} ({short})"
        if name_key(long_form) == name_key(answer):
            found.append((short, definition))
        elif len(long_form.split()) >= 2:
            inner = re.compile(rf"(?<!\w){re.escape(long_form)}(?!\w)", re.IGNORECASE)
            if inner.search(answer):
                found.append((clean(inner.sub(short, answer, count=1)), definition))
    return found


def without_parentheses(text: str) -> str:
    """``"X (telangiectatic type)"`` → ``"X"``: the text before a closing parenthesis, else ``""``.

    Only a parenthesis at the end: one inside ("Stage (IV) disease") may hold
    what the diagnosis needs.
    """
    match = re.fullmatch(r"(.+?)\s*\([^()]*\)\s*\.?", text)
    return clean(match.group(1)).strip(" ,;:-–") if match else ""


def _lexicon(cases_dir: Path | None) -> Lexicon:
    try:
        return load_lexicon(cases_dir)
    except (LexiconError, OSError):
        return shipped_lexicon()


def diagnosis_concept(
    diagnosis: str, cases_dir: Path | None = None, texts: Sequence[str] = ()
) -> tuple[Concept | None, list[str]]:
    """The core concept of the diagnosis line (see :func:`tutorbot.grading.concept.concept_of`)
    for ``diagnosis.core`` and ``diagnosis.required``, and a note for the author."""
    line = clean(diagnosis).rstrip(".").strip()
    defined = defined_abbreviations([line, *texts])
    concept = concept_of(line, _lexicon(cases_dir), defined)
    if concept is None:
        return None, []
    # The vocabulary's other names of the core itself (never of a parent or a child).
    known = shipped_vocabulary().names_for(concept.core[:1])
    if known:
        concept = replace(concept, core=(*concept.core, *(n.form for n in known)))
    notes = [
        f"core concept {', '.join(concept.core)}: alone it is correct, and the diagnosis's "
        "other words are optional qualifiers (review diagnosis.core)"
    ]
    if concept.required:
        notes.append(
            f"required {', '.join(concept.required)} (an event of the condition: "
            "review diagnosis.required)"
        )
    return concept, notes


def diagnosis_spec(
    answer: str, accepted: Sequence[str], concept: Concept | None, wrong: Sequence[AnswerFeedback]
) -> DiagnosisSpec:
    """The imported diagnosis: answer, accepted forms, core concept, required events, wrongs."""
    return DiagnosisSpec(
        answer=answer,
        accepted=tuple(accepted),
        core=concept.core if concept else (),
        wrong=tuple(wrong),
        required=concept.required if concept else (),
    )


def lexicon_synonyms(answer: str, cases_dir: Path | None = None) -> list[str]:
    """Synonyms and abbreviations of the whole ``answer`` in the grading lexicon.

    Uses the shipped lexicon plus ``<cases_dir>/lexicon.yaml``; a broken
    instructor lexicon is left out (``tutorbot grade`` reports it), so an
    import never fails because of it. Short one-word forms are written in
    capitals, as abbreviations are (``EMH``).
    """
    lexicon = _lexicon(cases_dir)
    phrase = words(answer)
    if not phrase:
        return []
    canonical = lexicon.canonical(phrase)
    found: list[str] = []
    for variant, target in lexicon.synonyms.items():
        if target != canonical or variant == phrase:
            continue
        written, canonical_written = lexicon.labels.get(variant, (" ".join(variant), ""))
        found.append(_as_abbreviation(written))
        if canonical != phrase and canonical_written:
            found.append(canonical_written)
    return _unique(found, answer)


def _as_abbreviation(form: str) -> str:
    return form.upper() if len(form) <= 4 and form.isalpha() and form.islower() else form


def accepted_answers(
    diagnosis: str, cases_dir: Path | None = None, texts: Sequence[str] = ()
) -> tuple[str, list[str], list[str]]:
    """The answer, its accepted forms and notes about where they came from.

    Accepted forms are: an abbreviation given in parentheses (also one inside the
    diagnosis: "Complete anterior cruciate ligament (ACL) tear" accepts "Complete
    ACL tear"), an abbreviation one of ``texts`` (the rest of the teaching file)
    defines for the diagnosis ("... developmental dysplasia of the hip (DDH) ..."),
    the diagnosis without other parentheses, American/British spelling variants,
    and synonyms from the grading lexicon.
    """
    answer, abbreviations = split_abbreviation(clean(diagnosis).rstrip(".").strip())
    notes: list[str] = []
    accepted = [*abbreviations]
    if abbreviations:
        notes.append(f"accepted {', '.join(abbreviations)} (given in parentheses)")
    for form, definition in abbreviated_forms(answer, texts):
        if form.casefold() not in {a.casefold() for a in (answer, *accepted)}:
            accepted.append(form)
            notes.append(f"accepted {form} (the text defines {definition!r})")
    shorter = without_parentheses(answer)
    if shorter and shorter.casefold() != answer.casefold():
        # "X (telangiectatic type)", "X (acoustic neuroma)": X alone is right; what
        # the parentheses hold may be a subtype, a cause or another name.
        accepted.append(shorter)
        notes.append(
            f"accepted {shorter!r} (the diagnosis without its parentheses); if what the "
            "parentheses hold is another name for the diagnosis, add it to accepted"
        )
    worded = [form for form in [answer, *accepted] if not _is_abbreviation(form)]
    for form in worded:
        accepted += spelling_variants(form)
    synonyms = _unique(
        (
            synonym
            for form in (answer, shorter)
            if form
            for synonym in lexicon_synonyms(form, cases_dir)
        ),
        answer,
        *accepted,
    )
    accepted += synonyms
    if synonyms:
        notes.append(f"accepted {', '.join(synonyms)} (from the grading lexicon)")
    return answer, _unique(accepted, answer), notes


def _unique(items: Iterable[str], *without: str) -> list[str]:
    seen = {w.casefold() for w in without}
    out: list[str] = []
    for item in items:
        key = item.strip().casefold()
        if key and key not in seen:
            seen.add(key)
            out.append(item.strip())
    return out


_MODALITIES: tuple[tuple[str, str], ...] = (
    (r"\b(radiograph\w*|x-?rays?|plain films?|cxr|axr)\b", "radiograph"),
    (r"\b(ct|cta|computed tomography|hrct)\b", "CT"),
    (r"\b(mri|mra|magnetic resonance)\b", "MRI"),
    (r"\b(ultrasound|ultrasonograph\w*|sonograph\w*|doppler)\b", "ultrasound"),
    (r"\b(mammogra\w*|tomosynthesis)\b", "mammography"),
    (r"\b(fluoroscop\w*|barium|swallow)\b", "fluoroscopy"),
    (r"\b(pet|pet-ct)\b", "PET"),
    (r"\b(scintigra\w*|nuclear|spect|bone scan)\b", "nuclear medicine"),
    (r"\b(angiogra\w*)\b", "angiography"),
)


def modalities(texts: Iterable[str]) -> tuple[str, ...]:
    """Modality tags named in stage headings or captions, in the order they first appear."""
    found: dict[str, int] = {}
    for text in texts:
        for pattern, tag in _MODALITIES:
            match = re.search(pattern, text, flags=re.IGNORECASE)
            if match and tag not in found:
                found[tag] = len(found)
    return tuple(found)
