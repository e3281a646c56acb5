"""Step 5: the answer split into candidates (a differential), each judged.

The answer is split at "or", "vs", "/", commas, ";" and numbered lists. Detail
after a comma joins the candidate before it, detail written first joins the
one after it, and words that complete a form with their neighbour are read
as one; a head noun shared across alternatives is read into each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tutorbot.grading.forms import Compiled, Word
from tutorbot.grading.judge import judge
from tutorbot.grading.matching import Candidate
from tutorbot.grading.normalise import SEPARATOR
from tutorbot.grading.wordlists import (
    ALTERNATIVES,
    CONNECTORS,
    EXPLICIT_DIFFERENTIAL,
    SPLITTERS,
    STOPWORDS,
)


@dataclass
class Segments:
    """The answer's words between splitters, and what stands after each segment.

    ``alternative[k]`` is 2 after "or"/"vs", 1 after "/", 0 otherwise;
    ``kept`` lists the segments that still say something, in order.
    """

    words: list[list[Word]] = field(default_factory=lambda: [[]])
    alternative: list[int] = field(default_factory=lambda: [0])
    kept: list[int] = field(default_factory=list)
    explicit: bool = False  # "DDx:" or "differential" was written

    def join(self, n: int) -> None:
        """Move the words of kept segment ``n`` onto the kept segment before it."""
        k, prev = self.kept[n], self.kept[n - 1]
        self.words[prev].extend(self.words[k])
        self.words[k] = []
        self.alternative[prev] = self.alternative[k]
        del self.kept[n]


def candidates(items: list[Word], c: Compiled, why: list[str]) -> tuple[list[Candidate], bool]:
    """The judged candidates of an answer, and whether it was written as a differential."""
    seg = _split(items)
    _attach_detail(seg, c)
    _read_as_one(seg, c, why)
    judged = [_judge_kept(seg, n, c) for n in range(len(seg.kept))]
    return judged, seg.explicit


def _split(items: list[Word]) -> Segments:
    seg = Segments()
    for w in items:
        if w.text in EXPLICIT_DIFFERENTIAL:
            seg.explicit = True
        if w.text == SEPARATOR or w.text in SPLITTERS:
            if w.text in ALTERNATIVES:
                seg.alternative[-1] = 2
            elif w.raw == "/":
                seg.alternative[-1] = max(seg.alternative[-1], 1)
            if seg.words[-1]:
                seg.words.append([])
                seg.alternative.append(0)
        elif not w.dropped:
            seg.words[-1].append(w)
    seg.kept = [k for k, s in enumerate(seg.words) if any(w.text not in STOPWORDS for w in s)]
    return seg


def _is_detail(words: list[Word], c: Compiled) -> bool:
    # (With a core concept, the line's own qualifiers are detail too: "Sarcoidosis,
    # Scadding stage two".)
    return all(
        w.text in STOPWORDS or w.text in c.detail_words or w.text in c.line_quals for w in words
    )


def _attach_detail(seg: Segments, c: Compiled) -> None:
    # Detail after a comma ("tension pneumothorax, right"; "EDH, right
    # temporal") belongs to the candidate before it.
    for n in range(len(seg.kept) - 1, 0, -1):
        if not seg.alternative[seg.kept[n - 1]] and _is_detail(seg.words[seg.kept[n]], c):
            seg.join(n)
    # A segment that opens with a connector ("..., with a venous infarct", "...,
    # due to gallstones") says more about the candidate before it.
    for n in range(len(seg.kept) - 1, 0, -1):
        first = next((w.text for w in seg.words[seg.kept[n]] if w.text not in STOPWORDS), None)
        if not seg.alternative[seg.kept[n - 1]] and first in CONNECTORS:
            seg.join(n)
    # ... and detail standing first, before a stop or a colon, belongs to the
    # candidate after it: "post. shoulder dislocation", "Left: pneumothorax".
    if len(seg.kept) > 1 and not seg.alternative[seg.kept[0]]:
        k, nxt = seg.kept[0], seg.kept[1]
        if _is_detail(seg.words[k], c):
            seg.words[nxt][:0] = seg.words[k]
            seg.words[k] = []
            del seg.kept[0]


def _read_as_one(seg: Segments, c: Compiled, why: list[str]) -> None:
    # Words after a comma or in brackets that name nothing the case foresaw
    # but complete a longer or the right form with the candidate before them
    # join it: "aortic dissection, Stanford type A", "aortic dissection (type
    # A)", "pneumothorax (tension)".
    for n in range(len(seg.kept) - 1, 0, -1):
        k, prev = seg.kept[n], seg.kept[n - 1]
        if seg.alternative[prev] or any(w.negated for w in seg.words[k] + seg.words[prev]):
            continue
        if judge(seg.words[k], c).form is not None:
            continue
        first = judge(seg.words[prev], c)
        merged = judge(seg.words[prev] + seg.words[k], c)
        if merged.form is not None and (
            first.form is None
            or (merged.outcome == "correct" and first.outcome != "correct")
            or len(merged.form.core) > len(first.form.core)
            # ... or a foreseen wrong answer: "aortic dissection, type B".
            or (merged.form.kind == "wrong" and first.form.kind != "wrong")
        ):
            seg.join(n)
            why.append(f"'{' '.join(w.raw for w in seg.words[prev] if w.raw)}' read as one")


def _judge_kept(seg: Segments, n: int, c: Compiled) -> Candidate:
    k = seg.kept[n]
    cand = judge(seg.words[k], c)
    after = seg.alternative[k] if n + 1 < len(seg.kept) else 0
    before = seg.alternative[seg.kept[n - 1]] if n > 0 else 0
    if cand.form is None and not cand.negated and (after or before):
        if after and not any(w.negated for w in seg.words[k]):
            cand = _with_shared_tail(cand, seg.words[k], seg.words[seg.kept[n + 1]], c)
        if cand.form is None and not cand.diagnosis_like and max(after, before) == 2:
            _mark_vague(cand, seg.words[k], c)
    cand.alternative = bool(after or before)
    return cand


def _with_shared_tail(
    cand: Candidate, words: list[Word], following: list[Word], c: Compiled
) -> Candidate:
    # A head noun shared across the alternatives: "extradural or subdural
    # haematoma" is "extradural haematoma" or "subdural haematoma". The
    # longest shared tail that completes a form: "posterior vs anterior
    # shoulder dislocation" is "posterior shoulder dislocation" or ...
    for size in range(max(len(following) - 1, 1), 0, -1):
        tail = [Word(w.text, w.raw) for w in following[-size:]]
        shared = judge([*words, *tail], c)
        if shared.form is not None and not shared.negated:
            said = " ".join(w.raw for w in tail if w.raw)
            shared.why.append(f"shared words '{said}' read into '{cand.text}'")
            return shared
    return cand


def _mark_vague(cand: Candidate, words: list[Word], c: Compiled) -> None:
    # (Not after "/": "Ewing sarcoma/PNET" joins two names of one thing.)
    # "EMH or something else", "left ... or right": a vague alternative, or
    # another side, is still an alternative.
    # (A lexicon name counts by any of its words: "CPAM" is read as "congenital
    # pulmonary airway malformation", whose first word alone may be harmless.)
    if any(w.text not in c.harmless or w.text in c.opposite for w in words):
        cand.diagnosis_like = True
        cand.why.append("vague alternative: " + " ".join(w.raw for w in words if w.raw))
