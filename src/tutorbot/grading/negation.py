"""Negation (NegEx-style triggers with a scope) and hedges, marked on the answer's words."""

from __future__ import annotations

from tutorbot.grading.forms import Word
from tutorbot.grading.lexicon import Phrase
from tutorbot.grading.normalise import SEPARATOR
from tutorbot.grading.wordlists import (
    BACKWARD_STOP,
    FORWARD_STOP,
    HEDGE_INDEX,
    NEGATION_INDEX,
    PSEUDO_INDEX,
    STOPWORDS,
)


def _starts(items: list[Word], i: int, phrase: Phrase) -> bool:
    n = len(phrase)
    return tuple(w.text for w in items[i : i + n]) == phrase and all(
        w.text != SEPARATOR for w in items[i : i + n]
    )


def mark_negations(items: list[Word], why: list[str]) -> None:
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


def drop_hedges(items: list[Word], why: list[str]) -> None:
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
