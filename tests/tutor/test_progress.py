"""How finished cases add up to a learner's progress (the rule storage used to hold)."""

from __future__ import annotations

import pytest

from tutorbot.tutor.progress import CaseOutcome, stats_from


def test_one_correct_case() -> None:
    stats = stats_from([("case-a", "correct")])
    assert (stats.cases_done, stats.correct, stats.streak, stats.finished) == (1, 1, 1, ("case-a",))
    assert stats.accuracy == 1.0


def test_streak_counts_the_recent_correct_run() -> None:
    outcomes: list[CaseOutcome] = ["correct", "wrong", "correct", "correct"]
    stats = stats_from((f"case-{n}", outcome) for n, outcome in enumerate(outcomes, 1))
    assert (stats.cases_done, stats.correct, stats.streak) == (4, 3, 2)
    assert stats.accuracy == pytest.approx(0.75)


def test_nothing_finished() -> None:
    empty = stats_from([])
    assert (empty.cases_done, empty.accuracy, empty.streak, empty.finished) == (0, 0.0, 0, ())


def test_each_case_counts_once_as_it_went_first() -> None:
    stats = stats_from([("case-a", "revealed"), ("case-a", "correct"), ("case-b", "correct")])
    assert (stats.cases_done, stats.correct, stats.streak) == (2, 1, 1)
    assert stats.finished == ("case-a", "case-b")


def test_partial_and_revealed_break_a_streak_and_are_not_correct() -> None:
    stats = stats_from([("a", "correct"), ("b", "partial"), ("c", "correct"), ("d", "revealed")])
    assert (stats.cases_done, stats.correct, stats.streak) == (4, 2, 0)
    assert stats.accuracy == pytest.approx(0.5)
