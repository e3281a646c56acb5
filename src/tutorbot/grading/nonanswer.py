"""Non-answers: "I don't know" in its common wordings, told apart from an answer.

A non-answer is graded ``wrong`` with ``empty`` and ``non_answer`` set: it uses
no attempt, and the tutor offers a hint or the answer instead of feedback on
a diagnosis nobody gave. Only an answer made of nothing but these phrases and
filler is one: "not sure, maybe EDH" is an answer (a hedged EDH).
"""

from __future__ import annotations

from tutorbot.grading.lexicon import Phrase
from tutorbot.grading.normalise import Token
from tutorbot.grading.wordlists import index, phrases

NON_ANSWER_FEEDBACK = (
    "No problem — nobody knows every case. Ask for a hint, or reveal the answer and learn from it."
)

# Each phrase says "I do not know" (or asks to move on) by itself.
NON_ANSWERS = phrases(
    "i don't know", "i do not know", "don't know", "dont know", "do not know", "not know",
    "dunno", "dno", "idk", "idek", "dk", "no idea", "not a clue", "no clue", "clueless",
    "haven't a clue", "have no idea", "haven't got a clue", "not the foggiest",
    "not sure", "unsure", "not certain", "uncertain", "no diagnosis", "no answer",
    "can't tell", "cannot tell", "can't say", "cannot say", "couldn't say", "no guess",
    "give up", "pass", "skip", "beats me", "who knows", "stumped", "lost", "no chance",
    "help", "hint", "clue", "tell me", "show me", "show the answer", "what is it",
    "what's the answer", "what is the answer", "no comment", "blank", "?",
)  # fmt: skip
# Words that may stand around a non-answer without making it an answer.
FILLER = frozenset(
    w
    for p in phrases(
        "sorry", "mate", "tbh", "honestly", "really", "lol", "haha", "sir", "doc", "um", "uh",
        "erm", "hmm", "ok", "okay", "well", "i", "i'm", "am", "what", "this", "that", "it", "is",
        "at", "all", "totally", "completely", "just", "the", "here", "to", "be", "honest",
        "please", "pls", "plz", "yet", "a", "an", "any", "of", "for", "me", "about", "one", "so",
        "again", "still", "quite", "have", "got", "really", "seriously", "man", "no",
    )
    for w in p
)  # fmt: skip
_INDEX = index(NON_ANSWERS)


def is_non_answer(toks: list[Token]) -> bool:
    """Whether the answer's words are only non-answer phrases and filler (at least one phrase)."""
    seq: list[str] = [t.text for t in toks if not t.sep]
    said = False
    i = 0
    while i < len(seq):
        phrase = _match(seq, i)
        if phrase is not None:
            said = True
            i += len(phrase)
        elif seq[i] in FILLER:
            i += 1
        else:
            return False
    return said


def _match(seq: list[str], i: int) -> Phrase | None:
    for phrase in _INDEX.get(seq[i], ()):
        if tuple(seq[i : i + len(phrase)]) == phrase:
            return phrase
    return None
