"""A learner's progress: how finished cases count, as pure rules over plain records."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from tutorbot.grading.verdict import Outcome

#: How a finished case ended: the final answer's verdict, or ``revealed`` when the
#: learner gave up before answering.
CaseOutcome = Literal[Outcome, "revealed"]


@dataclass(frozen=True)
class Stats:
    """A learner's progress for /stats.

    Each case counts once, with the outcome of the first time it was finished
    (a replay after seeing the answer changes nothing). ``accuracy`` is the
    share of finished cases answered correctly (0.0 when none); ``streak``
    counts the most recent of them answered correctly in a row; ``finished``
    lists their ids, oldest first, and ``outcomes`` maps each to its first outcome.
    """

    cases_done: int
    correct: int
    accuracy: float
    streak: int
    finished: tuple[str, ...]
    outcomes: Mapping[str, CaseOutcome] = field(default_factory=dict)


def stats_from(finished: Iterable[tuple[str, CaseOutcome]]) -> Stats:
    """The progress that ``(case_id, outcome)`` pairs, oldest first, add up to."""
    # A case counts once, as it went the first time: replaying a case after
    # seeing its answer must not lift accuracy or a streak.
    first: dict[str, CaseOutcome] = {}
    for case_id, outcome in finished:
        first.setdefault(case_id, outcome)
    outcomes = list(first.values())
    correct = outcomes.count("correct")
    streak = 0
    for outcome in reversed(outcomes):
        if outcome != "correct":
            break
        streak += 1
    done = len(outcomes)
    return Stats(done, correct, correct / done if done else 0.0, streak, tuple(first), first)


def replayed_outcome(first: CaseOutcome, verdicts: Sequence[str]) -> CaseOutcome:
    """The outcome a finished play would have had with its answers' ``verdicts`` (in the
    order given) as they are now, after a regrade; ``first`` is how it ended then.

    The tutor ends a play at the first correct answer, or with the last answer's verdict
    when the attempts run out, or ``revealed`` when the learner gave up: a regraded answer
    that is now correct ends it there; otherwise a given-up play stays ``revealed`` and
    any other takes its last answer's verdict.
    """
    if "correct" in verdicts:
        return "correct"
    if first == "revealed" or not verdicts:
        return first
    last = verdicts[-1]
    return last if last in ("partial", "wrong") else first  # type: ignore[return-value]
