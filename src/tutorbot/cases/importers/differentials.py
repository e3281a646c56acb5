"""A teaching file's differential diagnosis as the case's wrong answers, with feedback.

"Differential diagnosis: lymphoma; neurogenic tumour" or a bulleted list under that
heading names what was considered and set aside. Each named item becomes a
``diagnosis.wrong`` answer, with the reason the text gives ("Lymphoma – no bone
changes" → "Considered, but no bone changes.") or a plain "Considered, but ...".
What cannot be a wrong answer stays a teaching point: a whole sentence, or an item
that names the diagnosis itself or a broader or narrower form of it (a "pneumothorax"
in the differential of a tension pneumothorax is not wrong, only less precise).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tutorbot.cases.importers.common import clean, split_abbreviation
from tutorbot.cases.model import AnswerFeedback
from tutorbot.cases.vocabulary import core_name, name_key, relation, shipped_vocabulary

# "Lymphoma: reason", "Lymphoma - reason", "Lymphoma – reason", "Lymphoma (reason)".
_WITH_REASON = re.compile(r"^(?P<name>[^:–—()]+?)\s*(?::|\s-\s|\s?[–—]\s?)\s*(?P<reason>.+)$")
_TRAILING_REASON = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<reason>[^()]{3,})\)\.?$")
_LIST_SEPARATOR = re.compile(r"\s*[;,]\s*|\s*(?<!\d)/(?!\d)\s*|\s+(?:and|or|vs\.?|versus)\s+")
_LEADING = re.compile(r"^(?:and|or|also|including|e\.g\.)\s+", re.IGNORECASE)
# A name is a few words; longer items are sentences about the differential.
MAX_NAME_WORDS = 6
PLAIN_FEEDBACK = (
    "Considered in the differential diagnosis, but not this case: look again at the findings."
)


@dataclass(frozen=True)
class Differentials:
    """What a differential diagnosis section gives: wrong answers and leftover teaching text."""

    wrong: tuple[AnswerFeedback, ...] = ()
    teaching: tuple[str, ...] = ()
    kept_out: tuple[str, ...] = ()  # items that name the diagnosis or a form of it


def _feedback(reason: str) -> str:
    reason = clean(reason).rstrip(" .;")
    if not reason:
        return PLAIN_FEEDBACK
    if reason[:1].isupper() and not reason[:2].isupper():
        reason = reason[:1].lower() + reason[1:]
    return f"Considered, but {reason}."


def _items(line: str) -> list[tuple[str, str]]:
    """``(name, reason)`` pairs in one item of the section."""
    text = clean(line).rstrip(".")
    for pattern in (_WITH_REASON, _TRAILING_REASON):
        match = pattern.match(text)
        if match and len(match.group("name").split()) <= MAX_NAME_WORDS:
            _, abbreviations = split_abbreviation(match.group("reason"))
            if pattern is _TRAILING_REASON and (
                len(match.group("reason").split()) < 2 or abbreviations
            ):
                break  # "(LCH)", "(PNET)": another name, not a reason
            return [(match.group("name"), match.group("reason"))]
    parts = [_LEADING.sub("", p).strip() for p in _LIST_SEPARATOR.split(text)]
    return [(p, "") for p in parts if p]


def diagnosis_forms(answer: str, accepted: Sequence[str]) -> list[str]:
    """The answer, its accepted forms and the vocabulary's other names for it: a
    differential that is one of these names the diagnosis, not something else."""
    known = shipped_vocabulary().names_for([answer, *accepted])
    return [answer, *accepted, *(name.form for name in known)]


def differentials(lines: Iterable[str], forms: Sequence[str]) -> Differentials:
    """Read a differential diagnosis section against the case's diagnosis ``forms`` (see
    :func:`diagnosis_forms`)."""
    wrong: list[AnswerFeedback] = []
    teaching: list[str] = []
    kept_out: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for line in lines:
        pairs = _items(line)
        if any(len(name.split()) > MAX_NAME_WORDS for name, _ in pairs):
            teaching.append(clean(line))
            continue
        for raw, reason in pairs:
            name, abbreviations = split_abbreviation(clean(raw).strip(" .:-–"))
            for written in (name, *abbreviations):
                key = name_key(written)
                if not key or key in seen:
                    continue
                seen.add(key)
                if any(_same_idea(written, form) for form in forms):
                    kept_out.append(written)
                    continue
                wrong.append(AnswerFeedback(written, _feedback(reason)))
    if kept_out:
        teaching.append("Differential diagnosis: " + "; ".join(kept_out))
    return Differentials(tuple(wrong), tuple(teaching), tuple(kept_out))


def differential_notes(found: Differentials, heading: bool) -> list[str]:
    """Notes for the author about what the importer made of the differential diagnosis."""
    notes: list[str] = []
    if found.wrong:
        names = ", ".join(a.answer for a in found.wrong)
        notes.append(
            f"the differential diagnosis gave wrong answers: {names}; each says "
            '"Considered, but ...": make its feedback say what tells it apart here'
        )
    if found.kept_out:
        notes.append(
            f"kept {', '.join(found.kept_out)} out of the wrong answers: each names the "
            "diagnosis, another name of it, or a broader or narrower form of it (a broader "
            "one may make a partial answer); they are listed in a teaching point"
        )
    if heading and not found.wrong and not found.kept_out and not found.teaching:
        notes.append("found a differential diagnosis heading with nothing under it")
    return notes


def _same_idea(name: str, form: str) -> bool:
    """Whether a differential names the diagnosis, an abbreviation of it, or a broader or
    narrower form of it: none of those is a wrong answer. (Not a word a letter or two off:
    neuroblastoma is no misspelt nephroblastoma.)"""
    core = core_name(form)
    return relation(name, core) in ("same", "abbreviation", "narrower", "broader")
