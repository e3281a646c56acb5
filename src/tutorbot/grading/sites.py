"""Where the case's findings put the lesion, against where an answer puts it.

A side the findings give counts as the case's side (see ``fromcase.lesion_side``);
so do the spine's regions and the places the findings name. Anywhere in an
answer that names the case's diagnosis, even after "from", "with" or a comma:

- a region of the spine ("cervical", "thoracic", "lumbar", "sacral") where the
  line and the findings name only vertebrae of other regions ("a cervical leak"
  for a leak at T4-T9) contradicts the case's level;
- when a finding places the lesion ("a gallstone in the lumen of the distal
  ileum"), a place after "in", "at" or "within" ("stone in the jejunum") that
  the diagnosis line, the findings and the history never name contradicts the
  case's site.

- after "with", "due to" ..., a word the findings and history only ever
  negate ("Mirizzi syndrome with a fistula" where the findings say "no fistula")
  contradicts the findings.

Each makes the right diagnosis partial, naming the detail; ``combine`` applies
the same reading to a part of the answer after a comma ("gallstone ileus, stone
in the jejunum").
"""

from __future__ import annotations

from collections.abc import Container, Sequence

from tutorbot.grading.forms import Compiled, vertebrae
from tutorbot.grading.fromcase import findings_of, in_findings
from tutorbot.grading.matching import Candidate, Reading
from tutorbot.grading.normalise import SEPARATOR
from tutorbot.grading.wordlists import CONNECTORS, STOPWORDS, TAIL_CONNECTORS

# The spine's regions and the letter of their vertebrae.
SPINAL_REGIONS = {"cervical": "c", "thoracic": "t", "lumbar": "l", "sacral": "s"}
# Words that open a place ("in the jejunum").
PLACE_OPENERS = frozenset({"in", "at", "within"})
# The words of a place read after its opener.
PLACE_WORDS = 2


def contradicts_the_findings(
    cand: Candidate, r: Reading, span: tuple[int, int], c: Compiled
) -> bool:
    """Whether the answer puts the right diagnosis at another level or place than
    the case does, or gives it a feature the findings rule out (partial, naming
    the detail)."""
    found = another_place(r.seq, r.negated, span, c)
    if found is None:
        return False
    kind, k = found
    said = r.content[k].raw or r.seq[k]
    cand.outcome = "partial"
    cand.feedback = f"Nearly — check the {kind}: you wrote '{said}'."
    cand.why.append(f"'{said}' contradicts the {kind} the case gives")
    return True


def another_place(
    seq: Sequence[str], negated: Container[int], span: tuple[int, int], c: Compiled
) -> tuple[str, int] | None:
    """The kind of detail ("level", "site", "findings") and the index of the first
    word of ``seq`` outside ``span`` that contradicts the case's findings, if any."""
    if c.site_facts is None:
        c.site_facts = (_case_regions(c), _ruled_out(c), _lesion_places(c))
    regions, ruled_out, places = c.site_facts
    after_connector = False
    for i, word in enumerate(seq):
        if i in negated or span[0] <= i < span[1]:
            continue
        region = SPINAL_REGIONS.get(word)
        if region is not None and regions and region not in regions:
            return "level", i
        after_connector = after_connector or word in TAIL_CONNECTORS
        if after_connector and word in ruled_out:
            # "Mirizzi syndrome with a fistula" where the findings say "no fistula".
            return "findings", i
    for i in range(span[1], len(seq)):
        if not places or seq[i] not in PLACE_OPENERS:
            continue
        for k in range(i + 1, min(len(seq), i + 1 + PLACE_WORDS)):
            word = seq[k]
            if word == SEPARATOR or word in CONNECTORS:
                break
            if k in negated or word in places or not _an_unnamed_place(word, c):
                continue
            return "site", k
    return None


def _ruled_out(c: Compiled) -> frozenset[str]:
    """Words the findings and history only ever negate ("no fistula")."""
    said = set().union(*(f.positive for f in findings_of(c)))
    negated = set().union(*(f.negated for f in findings_of(c)))
    return frozenset(negated - said - c.harmless - STOPWORDS - c.line_quals)


def _lesion_places(c: Compiled) -> frozenset[str]:
    """The words of the findings that place the lesion: those of a finding that
    names a word of the diagnosis with "in", "at" or "within" ("a gallstone in the
    lumen of the distal ileum"); empty when no finding does."""
    lesion = {w for f in c.forms if f.kind == "correct" for w in f.core} - STOPWORDS
    places: set[str] = set()
    for finding in findings_of(c):
        if finding.positive & lesion and finding.positive & PLACE_OPENERS:
            places |= finding.positive
    return frozenset(places)


def _case_regions(c: Compiled) -> frozenset[str]:
    """The letters of the spine's regions the line and the findings name vertebrae of."""
    levels = set(c.levels)
    for finding in findings_of(c):
        for word in finding.positive:
            levels |= vertebrae(word)
    return frozenset(level[0] for level in levels)


def _an_unnamed_place(word: str, c: Compiled) -> bool:
    """A word no part of the case names: not the line's, not the findings' or the
    history's, not a known word of the lexicon's (a side, a describing word)."""
    if word in STOPWORDS or word in c.harmless or word in c.line_quals or word in c.vocab:
        return False
    return c.kinds.get(word) is None and not in_findings(word, c)
