"""What a round's answers add up to: each participant's final answer and points, the
reveal's summary, and the group's leaderboard.

Points reward accuracy, not speed: ✅ 3, ✅ after changing one's answer 2, 🟡 1,
❌ or no answer 0. Only a participant's last answer counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from tutorbot.grading.normalise import fold, words
from tutorbot.grading.verdict import Outcome
from tutorbot.rounds.model import RoundAnswer

ANONYMOUS = "Anonymous"
#: How much of an answer a distribution line shows.
LABEL_LIMIT = 60


@dataclass(frozen=True)
class Participant:
    """One person's part in a round: their last answer, and how often they changed it."""

    user_id: int
    name: str
    final: RoundAnswer
    changes: int

    @property
    def points(self) -> int:
        return points_for(self.final.verdict, self.changes)


def points_for(verdict: Outcome, changes: int) -> int:
    """✅ 3 (2 after a change of answer), 🟡 1, ❌ 0."""
    if verdict == "correct":
        return 3 if changes == 0 else 2
    return 1 if verdict == "partial" else 0


def answer_key(text: str) -> str:
    """An answer normalised for grouping: case, accents, spacing and punctuation ignored."""
    return " ".join(words(text)) or fold(text).strip()


def participants(answers: Iterable[RoundAnswer]) -> list[Participant]:
    """Each participant once, with their last answer, in the order of those last answers.

    A change is an answer that differs (normalised) from the one before it: sending the
    same answer twice changes nothing.
    """
    by_user: dict[int, list[RoundAnswer]] = {}
    for answer in sorted(answers, key=lambda a: a.at):
        by_user.setdefault(answer.user_id, []).append(answer)
    found = []
    for user_id, given in by_user.items():
        keys = [answer_key(a.text) for a in given]
        changes = sum(1 for before, after in pairwise(keys) if before != after)
        found.append(Participant(user_id, given[-1].name, given[-1], changes))
    return sorted(found, key=lambda p: (p.final.at, p.user_id))


@dataclass(frozen=True)
class Group:
    """Answers that read the same, with how many gave one and the verdict they got."""

    label: str
    count: int
    verdict: Outcome


@dataclass(frozen=True)
class Summary:
    """What the reveal says about the answers: counts, the distribution (no names), and
    who got it right, first names in the order they answered (or "Anonymous")."""

    answered: int
    correct: int
    partial: int
    wrong: int
    distribution: tuple[Group, ...]
    right: tuple[str, ...]


def summarise(answers: Iterable[RoundAnswer], anonymous: frozenset[int] = frozenset()) -> Summary:
    """The summary of a round's answers; ``anonymous``: users who chose not to be named."""
    people = participants(answers)
    verdicts = Counter(p.final.verdict for p in people)
    groups: dict[str, list[Participant]] = {}
    for person in people:
        groups.setdefault(answer_key(person.final.text), []).append(person)
    distribution = sorted(
        (
            Group(_label(members[0].final.text), len(members), members[0].final.verdict)
            for members in groups.values()
        ),
        key=lambda g: (-g.count, g.label.casefold()),
    )
    right = tuple(
        ANONYMOUS if p.user_id in anonymous else p.name
        for p in people
        if p.final.verdict == "correct"
    )
    return Summary(
        len(people),
        verdicts["correct"],
        verdicts["partial"],
        verdicts["wrong"],
        tuple(distribution),
        right,
    )


def _label(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= LABEL_LIMIT else flat[: LABEL_LIMIT - 1] + "…"


@dataclass(frozen=True)
class Standing:
    """A place on the leaderboard."""

    user_id: int
    name: str
    points: int
    rounds: int


def leaderboard(
    rounds: Iterable[Sequence[RoundAnswer]],
    anonymous: frozenset[int] = frozenset(),
    names: Mapping[int, str] | None = None,
) -> list[Standing]:
    """Points over ``rounds`` (each: one revealed round's answers), best first; ties go
    to more rounds answered, then to the name. ``names`` overrides the names answers
    carry (the latest one a person used); anonymous people are listed as "Anonymous"."""
    points: Counter[int] = Counter()
    played: Counter[int] = Counter()
    latest: dict[int, tuple[datetime, str]] = {}
    for answers in rounds:
        for person in participants(answers):
            points[person.user_id] += person.points
            played[person.user_id] += 1
            seen = latest.get(person.user_id)
            if seen is None or seen[0] <= person.final.at:
                latest[person.user_id] = (person.final.at, person.name)

    def name_of(user_id: int) -> str:
        if user_id in anonymous:
            return ANONYMOUS
        return (names or {}).get(user_id) or latest[user_id][1]

    table = [Standing(u, name_of(u), points[u], played[u]) for u in played]
    return sorted(table, key=lambda s: (-s.points, -s.rounds, s.name.casefold(), s.user_id))


def week_start(now: datetime, zone: ZoneInfo) -> datetime:
    """Monday 00:00 of ``now``'s week in ``zone``, as an aware datetime."""
    local = now.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    return datetime.combine(monday, time(0), tzinfo=zone)
