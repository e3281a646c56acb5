"""What a learner can do; front ends translate their input into these."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Next:
    """Move on: from the history to the images, images to findings, and so on."""


@dataclass(frozen=True)
class Hint:
    """Ask for the next hint."""


@dataclass(frozen=True)
class Skip:
    """Skip ahead to the diagnosis question."""


@dataclass(frozen=True)
class Reveal:
    """Give up and see the answer."""


@dataclass(frozen=True)
class Restart:
    """Start the case again from its history."""


@dataclass(frozen=True)
class Show:
    """Show the current step again (after a lost reply, or when the learner comes back)."""


@dataclass(frozen=True)
class SkippedFindings:
    """Once the case is over, show the findings of the stages the learner skipped."""


@dataclass(frozen=True)
class Answer:
    """Free text: a diagnosis at the question, an observation at a stage's question."""

    text: str


Event = Next | Hint | Skip | Reveal | Restart | Show | SkippedFindings | Answer
