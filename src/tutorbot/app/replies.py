"""What a use case answers with, as plain data each front end renders its own way.

A reply is the tutor's actions (:mod:`tutorbot.tutor.actions`) plus
:class:`Say` messages of the application's own (a prompt, a list of cases).
A :class:`Say` carries a ``code`` so that a front end may word it its own way,
and choices that a front end shows as buttons or as words to type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tutorbot.tutor.actions import Action


@dataclass(frozen=True)
class NextStep:
    """Move on in the current case (the tutor's ``Next``)."""


@dataclass(frozen=True)
class NextCase:
    """Start the next case the learner has not finished."""


@dataclass(frozen=True)
class OpenCase:
    """Open a case chosen from a list (asks first when another case is in progress)."""

    case_id: str


@dataclass(frozen=True)
class SwitchCase:
    """Leave the case in progress for this one (the answer to "Switch?")."""

    case_id: str


@dataclass(frozen=True)
class KeepGoing:
    """Stay in the case in progress (the other answer to "Switch?")."""


@dataclass(frozen=True)
class ListCases:
    """Show a page of the case list (``page`` counts from 0); only cases tagged ``tag``
    when one is given. Changes nothing, so it is never stale."""

    page: int = 0
    tag: str = ""


@dataclass(frozen=True)
class ListTags:
    """Show the tags the case list can be filtered by. Never stale."""


@dataclass(frozen=True)
class RedoMissed:
    """Start the next case not answered correctly the first time (among ``tag``'s, if given)."""

    tag: str = ""


@dataclass(frozen=True)
class ShowSkipped:
    """Show the findings of the stages skipped in the case just finished."""


@dataclass(frozen=True)
class StartPush:
    """Start the case a push card offers; ``token`` is the push's opaque token (never the
    case id: a case's id can name its diagnosis)."""

    token: str


@dataclass(frozen=True)
class NotNow:
    """Put a push card aside (its case stays in the case list)."""

    token: str


@dataclass(frozen=True)
class PushWho:
    """Show an instructor who a push did not reach (the final report's button)."""

    token: str


@dataclass(frozen=True)
class PushFlow:
    """A step of an instructor's /push: ``step`` is ``class``, ``case``, ``send`` or
    ``cancel``; ``token`` stands for the class and case chosen so far (kept in storage)."""

    step: str
    token: str


@dataclass(frozen=True)
class ScheduleAction:
    """Pause, resume, skip the next slot of, or delete a schedule (/schedules)."""

    action: str
    schedule_id: int


#: A choice a learner can make by pressing a button.
Press = (
    NextStep
    | NextCase
    | OpenCase
    | SwitchCase
    | KeepGoing
    | ListCases
    | ListTags
    | RedoMissed
    | ShowSkipped
    | StartPush
    | NotNow
    | PushWho
    | PushFlow
    | ScheduleAction
)


@dataclass(frozen=True)
class Choice:
    """A button (or a word to type) and what pressing it does.

    Choices with the same ``row`` sit side by side (``◀ Previous`` ``Next ▶``);
    a choice without one gets a row of its own when any choice names a row.
    """

    label: str
    press: Press
    row: str | None = None


@dataclass(frozen=True)
class Say:
    """A message of the application's own; ``code`` names what it says."""

    code: str
    lines: tuple[str, ...]
    choices: tuple[Choice, ...] = ()


@dataclass
class Reply:
    """What one use case produced.

    ``says`` come first, then the tutor's ``actions``. ``toast`` is the short
    note on a pressed button. A reply is plain data all through, so the outbox
    keeps it as it is (:mod:`tutorbot.app.outbox`).
    """

    says: list[Say] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    toast: str | None = None
