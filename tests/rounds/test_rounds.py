"""The group round's pure rules: deadlines, the round's moves, points, the summary, the
leaderboard and its week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tutorbot.grading import Outcome
from tutorbot.rounds import (
    ANONYMOUS,
    Group,
    Round,
    RoundAnswer,
    describe_duration,
    leaderboard,
    parse_deadline,
    participants,
    points_for,
    summarise,
    week_start,
)

T0 = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def answer(
    user: int, name: str, text: str, verdict: Outcome, second: int, rnd: int = 1
) -> RoundAnswer:
    return RoundAnswer(rnd, user, name, text, verdict, 1.0, T0 + timedelta(seconds=second))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", timedelta(hours=24)),
        ("90m", timedelta(minutes=90)),
        ("30 min", timedelta(minutes=30)),
        ("2d", timedelta(days=2)),
        ("1 hour", timedelta(hours=1)),
        ("0m", None),
        ("8d", None),
        ("soon", None),
        ("24", None),
    ],
)
def test_deadlines(text: str, expected: timedelta | None) -> None:
    assert parse_deadline(text) == expected


def test_durations_read_as_people_say_them() -> None:
    assert describe_duration(timedelta(hours=24)) == "1 day"
    assert describe_duration(timedelta(hours=3)) == "3 hours"
    assert describe_duration(timedelta(minutes=90)) == "90 minutes"


def test_a_round_moves_on_and_reveals_once() -> None:
    rnd = Round(1, -100, 0, "case", "v1", 7, T0, T0 + timedelta(hours=1), stages=2)
    assert rnd.open and not rnd.fully_shown and not rnd.due(T0)
    moved = rnd.advanced().advanced()
    assert moved.fully_shown and moved.stage == 2 and moved.version == 3
    assert moved.advanced().stage == 2  # never past the last stage
    assert rnd.due(T0 + timedelta(hours=1))
    revealed = rnd.revealed(T0)
    assert revealed.status == "revealed" and not revealed.open
    assert not revealed.due(T0 + timedelta(days=1))


def test_points_reward_accuracy_not_speed() -> None:
    assert [points_for("correct", 0), points_for("correct", 2)] == [3, 2]
    assert [points_for("partial", 0), points_for("wrong", 0)] == [1, 0]


def test_the_last_answer_counts_and_changes_are_counted() -> None:
    answers = [
        answer(1, "Ann", "lymphoma", "wrong", 1),
        answer(2, "Ben", "EMH", "correct", 2),
        answer(1, "Ann", "extramedullary haematopoiesis", "correct", 5),
        answer(2, "Ben", "emh.", "correct", 6),  # the same answer again: no change
    ]
    people = {p.name: p for p in participants(answers)}
    assert people["Ann"].final.verdict == "correct" and people["Ann"].changes == 1
    assert people["Ann"].points == 2
    assert people["Ben"].changes == 0 and people["Ben"].points == 3


def test_the_summary_groups_answers_and_names_who_got_it_right_in_order() -> None:
    answers = [
        answer(1, "Ann", "EMH", "correct", 3),
        answer(2, "Ben", "Lymphoma", "wrong", 1),
        answer(3, "Cat", "emh", "correct", 2),
        answer(4, "Dan", "lymphoma!", "wrong", 4),
        answer(5, "Eve", "haematopoiesis", "partial", 5),
        answer(6, "Fay", "EMH", "correct", 6),
    ]
    summary = summarise(answers, anonymous=frozenset({6}))
    assert (summary.answered, summary.correct, summary.partial, summary.wrong) == (6, 3, 1, 2)
    assert summary.distribution == (
        Group("emh", 3, "correct"),
        Group("Lymphoma", 2, "wrong"),
        Group("haematopoiesis", 1, "partial"),
    )
    assert summary.right == ("Cat", "Ann", ANONYMOUS)


def test_an_empty_round_summarises_to_nothing() -> None:
    summary = summarise([])
    assert summary.answered == 0 and summary.distribution == () and summary.right == ()


def test_the_leaderboard_ties_go_to_rounds_answered_then_name() -> None:
    one = [answer(1, "Zoe", "x", "correct", 1), answer(2, "Amy", "x", "partial", 2)]
    two = [answer(2, "Amy", "x", "partial", 1, rnd=2), answer(3, "Bob", "x", "wrong", 2, rnd=2)]
    three = [answer(3, "Bob", "x", "correct", 1, rnd=3), answer(4, "Cy", "y", "wrong", 1, rnd=3)]
    table = leaderboard([one, two, three], anonymous=frozenset({4}))
    assert [(s.name, s.points, s.rounds) for s in table] == [
        ("Bob", 3, 2),
        ("Zoe", 3, 1),
        ("Amy", 2, 2),
        (ANONYMOUS, 0, 1),
    ]


def test_a_week_starts_on_monday_at_midnight_in_the_groups_zone() -> None:
    sunday_night_utc = datetime(2026, 3, 8, 23, 30, tzinfo=UTC)  # Monday 00:30 in Berlin
    assert week_start(sunday_night_utc, ZoneInfo("UTC")) == datetime(2026, 3, 2, tzinfo=UTC)
    berlin = week_start(sunday_night_utc, ZoneInfo("Europe/Berlin"))
    assert berlin.astimezone(UTC) == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)
