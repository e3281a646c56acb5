"""Which stored attempts count for a class (the rule in docs/instructors.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tutorbot.app.attempts import counts_for_class, for_class, scope_of
from tutorbot.storage import AnswerRecord, Member

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def member(user_id: int, joined: int, left: int | None = None) -> Member:
    left_at = None if left is None else T0 + timedelta(days=left)
    return Member(1, user_id, f"L{user_id}", T0 + timedelta(days=joined), left_at, False, True)


def attempt(user_id: int, day: int, chat_id: int | None = None) -> AnswerRecord:
    chat = user_id if chat_id is None else chat_id
    at = T0 + timedelta(days=day)
    return AnswerRecord(chat, user_id, "c", "v", "x", "wrong", 0.0, None, at)


def test_a_members_private_attempts_while_a_member_count() -> None:
    scope = scope_of([member(1, 0), member(2, 2, left=4)])
    assert counts_for_class(attempt(1, 1), scope)
    assert not counts_for_class(attempt(2, 1), scope)  # before joining
    assert counts_for_class(attempt(2, 3), scope)  # while in the class
    assert not counts_for_class(attempt(2, 4), scope)  # after leaving
    assert not counts_for_class(attempt(3, 1), scope)  # never a member


def test_group_attempts_count_only_in_the_class_groups() -> None:
    scope = scope_of([member(1, 0)], group_chats=[-100])
    assert counts_for_class(attempt(1, 1, chat_id=-100), scope)
    assert not counts_for_class(attempt(1, 1, chat_id=-200), scope)


def test_a_pushed_case_counts_from_its_first_push() -> None:
    scope = scope_of([member(1, 0)], pushed_at=T0 + timedelta(days=2))
    attempts = [attempt(1, 1), attempt(1, 2), attempt(1, 3)]
    assert [a.at for a in for_class(attempts, scope)] == [a.at for a in attempts[1:]]


def test_an_attempt_without_a_time_counts_nowhere() -> None:
    undated = AnswerRecord(1, 1, "c", "v", "x", "wrong", 0.0, None)
    assert not counts_for_class(undated, scope_of([member(1, 0)]))
