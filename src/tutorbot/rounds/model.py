"""A group round: one case played together in a group (or forum topic), answers hidden
until the reveal.

Pure data and rules, no Telegram and no storage. A round is its own aggregate: the
round (:class:`Round`, whose ``version`` guards the moves its starter makes) and the
answers participants append to it (:class:`RoundAnswer`), so that many people
answering at once never contend for one record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tutorbot.grading.verdict import Outcome

#: open: taking answers; revealed: over, answers shown; ended: the group went away
#: (the bot was removed) before the reveal.
RoundStatus = Literal["open", "revealed", "ended"]
#: Who may start a round and move it on: the group's admins (and class instructors), or anyone.
Starters = Literal["admins", "everyone"]
#: When a participant learns their verdict: privately at the reveal, or privately at once.
VerdictAt = Literal["reveal", "once"]

#: The shortest and longest deadline a round may have.
MIN_DEADLINE = timedelta(minutes=1)
MAX_DEADLINE = timedelta(days=7)
DEFAULT_DEADLINE = timedelta(hours=24)
#: The most characters of an answer that are kept (a message holds 4096).
ANSWER_LIMIT = 4096

_DURATION = re.compile(r"(\d{1,4})\s*(m|min|mins|minutes?|h|hrs?|hours?|d|days?)", re.IGNORECASE)
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


@dataclass(frozen=True)
class RoundSettings:
    """A group's settings for its rounds."""

    starters: Starters = "admins"
    verdict_at: VerdictAt = "reveal"
    deadline: timedelta = DEFAULT_DEADLINE
    zone: str = "UTC"

    @property
    def tz(self) -> ZoneInfo:
        return zone_or_utc(self.zone)


@dataclass(frozen=True)
class Round:
    """One round: which case, where, who started it, how far it has got, when it reveals.

    ``stage`` is how much of the case has been posted: 0 the history, ``k`` the images
    of stage ``k`` (of ``stages``). ``version`` counts the round's own changes (a move
    on, the reveal), so two presses of Next at once move it once.
    """

    id: int
    chat_id: int
    thread_id: int
    case_id: str
    case_version: str
    started_by: int
    started_at: datetime
    deadline: datetime
    stages: int
    stage: int = 0
    status: RoundStatus = "open"
    revealed_at: datetime | None = None
    version: int = 1
    #: The group's message that counts answers (edited in place), and the message whose
    #: replies are answers (the question); 0 until posted.
    status_message: int = 0
    question_message: int = 0

    @property
    def open(self) -> bool:
        return self.status == "open"

    @property
    def fully_shown(self) -> bool:
        """Every stage's images are out: no Next any more."""
        return self.stage >= self.stages

    def advanced(self) -> Round:
        """The round one stage further on (the caller checks :attr:`fully_shown`)."""
        return replace(self, stage=min(self.stage + 1, self.stages), version=self.version + 1)

    def revealed(self, at: datetime) -> Round:
        return replace(self, status="revealed", revealed_at=at, version=self.version + 1)

    def ended(self, at: datetime) -> Round:
        return replace(self, status="ended", revealed_at=at, version=self.version + 1)

    def due(self, now: datetime) -> bool:
        return self.open and now >= self.deadline


@dataclass(frozen=True)
class RoundAnswer:
    """One answer a participant gave, graded when it came (kept whatever the round does)."""

    round_id: int
    user_id: int
    name: str
    text: str
    verdict: Outcome
    score: float
    at: datetime


def parse_deadline(text: str) -> timedelta | None:
    """``"24h"``, ``"90m"``, ``"2d"``, ``"30 min"`` as a duration; ``None`` if it is not one
    or lies outside :data:`MIN_DEADLINE` .. :data:`MAX_DEADLINE`."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        return None
    amount = int(match.group(1)) * _UNITS[match.group(2)[0].lower()]
    return amount if MIN_DEADLINE <= amount <= MAX_DEADLINE else None


def describe_duration(duration: timedelta) -> str:
    """A duration as people say it: ``24 hours``, ``90 minutes``, ``2 days``."""
    minutes = int(duration.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def zone_or_utc(name: str) -> ZoneInfo:
    """The IANA zone ``name``, or UTC when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def known_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone (``Europe/London``)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
