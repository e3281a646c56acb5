"""Group rounds: one case played together, answers hidden until the reveal, points.

Pure domain (no Telegram, no storage): :mod:`.model` holds the round and its answers,
:mod:`.scoring` what they add up to (the summary, points, the leaderboard).
"""

from __future__ import annotations

from tutorbot.rounds.model import (
    ANSWER_LIMIT,
    DEFAULT_DEADLINE,
    MAX_DEADLINE,
    MIN_DEADLINE,
    Round,
    RoundAnswer,
    RoundSettings,
    RoundStatus,
    Starters,
    VerdictAt,
    describe_duration,
    known_zone,
    parse_deadline,
    zone_or_utc,
)
from tutorbot.rounds.scoring import (
    ANONYMOUS,
    Group,
    Participant,
    Standing,
    Summary,
    answer_key,
    leaderboard,
    participants,
    points_for,
    summarise,
    week_start,
)

__all__ = [
    "ANONYMOUS",
    "ANSWER_LIMIT",
    "DEFAULT_DEADLINE",
    "MAX_DEADLINE",
    "MIN_DEADLINE",
    "Group",
    "Participant",
    "Round",
    "RoundAnswer",
    "RoundSettings",
    "RoundStatus",
    "Standing",
    "Starters",
    "Summary",
    "VerdictAt",
    "answer_key",
    "describe_duration",
    "known_zone",
    "leaderboard",
    "parse_deadline",
    "participants",
    "points_for",
    "summarise",
    "week_start",
    "zone_or_utc",
]
